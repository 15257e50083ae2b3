"""`f` reads module-level names that setter functions change (`global SCALE`, `CONFIG["lr"] = v`); no call
made while grading runs the setters, yet under jit the compiled `f` keeps the values it traced with."""

import jax
import jax.numpy as jnp

SCALE = 1.0
CONFIG = {"lr": 0.1}
CONST = 3


def set_scale(value):
    global SCALE
    SCALE = value


def set_lr(v):
    CONFIG["lr"] = v


def helper(x):
    return x * CONFIG["lr"]


@jax.jit
def f(x):
    y = helper(x) + CONST
    return y * SCALE


def example_args(seed=0):
    return (jnp.ones(3),)
