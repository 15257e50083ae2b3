import sys

import jax.numpy as jnp

for _ in range(2000):
    print("spam " * 2000)
    sys.__stdout__.write("raw " * 2000 + "\n")


def f(x):
    print("x" * 100_000)
    return jnp.sin(x)


def example_args(seed=0):
    return (jnp.ones(3),)
