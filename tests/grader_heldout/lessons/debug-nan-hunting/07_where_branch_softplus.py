import jax.numpy as jnp


def safe_norm(v):
    sq = jnp.sum(v ** 2, axis=-1)
    ok = sq > 0
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, sq, 1.0)), 0.0)


def f(z, v):
    # for large t, log(1 + e^t) == t in float32; use the naive formula elsewhere
    softplus = jnp.where(z > 20.0, z, jnp.log(1.0 + jnp.exp(z)))
    return softplus + safe_norm(v)
