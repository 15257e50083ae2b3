import jax
import jax.numpy as jnp


def f(z, v):
    softplus = jax.nn.softplus(z)
    sq = jnp.sum(v ** 2, axis=-1)
    distance = jnp.where(sq > 0, jnp.sqrt(sq), 0.0)   # zero rows -> 0
    return softplus + distance
