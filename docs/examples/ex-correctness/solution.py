import jax.numpy as jnp


def f(x):
    return jnp.mean(x**2)
