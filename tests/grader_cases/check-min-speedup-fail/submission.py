import jax.numpy as jnp
import numpy as np


def f(x):
    return jnp.sin(x) + 1.0


def baseline(x):
    return jnp.sin(x) + 1.0


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(64,)), jnp.float32),)
