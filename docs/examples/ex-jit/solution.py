import jax.numpy as jnp


def f(x):
    return jnp.where(x.sum() > 0, x, -x)
