import jax
import jax.numpy as jnp


def _safe_norm(v):
    sq = jnp.sum(v ** 2, axis=-1)
    nonzero = sq > 0
    safe_sq = jnp.where(nonzero, sq, 1.0)          # the discarded branch never sees sqrt(0)
    return jnp.where(nonzero, jnp.sqrt(safe_sq), 0.0)


def f(z, v):
    return jax.nn.softplus(z) + _safe_norm(v)    # softplus = logaddexp(z, 0): never overflows
