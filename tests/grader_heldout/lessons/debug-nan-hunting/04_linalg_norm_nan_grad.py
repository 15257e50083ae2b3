import jax
import jax.numpy as jnp


def f(z, v):
    return jax.nn.softplus(z) + jnp.linalg.norm(v, axis=-1)
