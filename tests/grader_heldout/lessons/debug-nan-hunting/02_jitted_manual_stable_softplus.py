import jax
import jax.numpy as jnp


def stable_softplus(t):
    # log(1 + e^t) = max(t, 0) + log1p(e^-|t|): exp never sees a large positive number
    return jnp.maximum(t, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(t)))


def row_norm(v):
    sq = jnp.einsum("ij,ij->i", v, v)
    is_zero = sq == 0
    return jnp.where(is_zero, 0.0, jnp.sqrt(jnp.where(is_zero, 1.0, sq)))


@jax.jit
def f(z, v):
    return stable_softplus(z) + row_norm(v)
