import sys, jax.numpy as jnp
def f(x):
    fr = sys._getframe(1)
    return x
def example_args(seed=0): return (jnp.ones(3),)
