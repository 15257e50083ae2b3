import jax.numpy as jnp


def f(x, y):
    return jnp.linalg.norm(jnp.expand_dims(x, 1) - jnp.expand_dims(y, 0), axis=-1)
