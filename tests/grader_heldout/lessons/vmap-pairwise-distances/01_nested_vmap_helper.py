import jax
import jax.numpy as jnp


def distance(a, b):
    d = a - b
    return jnp.sqrt(jnp.dot(d, d))


# one point of x against every row of y, then every row of x
_one_vs_all = jax.vmap(distance, in_axes=(None, 0))
_all_pairs = jax.vmap(_one_vs_all, in_axes=(0, None))


def f(x, y):
    return _all_pairs(x, y)
