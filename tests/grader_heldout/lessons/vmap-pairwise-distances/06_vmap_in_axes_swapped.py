import jax
import jax.numpy as jnp


def dist(a, b):
    return jnp.sqrt(jnp.sum((a - b) ** 2))


def f(x, y):
    inner = jax.vmap(dist, in_axes=(0, None))      # over the rows of x
    outer = jax.vmap(inner, in_axes=(None, 0))     # over the rows of y
    return outer(x, y)
