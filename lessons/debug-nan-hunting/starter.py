import jax.numpy as jnp


def f(z, v):
    """Per example: softplus(z) + Euclidean norm of v (a classification term plus a distance term)."""
    softplus = jnp.log(1.0 + jnp.exp(z))
    distance = jnp.sqrt(jnp.sum(v ** 2, axis=-1))
    return softplus + distance
