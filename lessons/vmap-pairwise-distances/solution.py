import jax
import jax.numpy as jnp


def _distance(a, b):
    return jnp.sqrt(jnp.sum((a - b) ** 2))


def f(x, y):
    # Inner vmap: one point of x against every row of y; outer vmap: every row of x.
    return jax.vmap(jax.vmap(_distance, in_axes=(None, 0)), in_axes=(0, None))(x, y)
