# Pitfall: the same key used in every lax.scan step (identical noise each step).
import jax, jax.numpy as jnp, numpy as np
from jax import lax
def f(x, key):
    def body(c, _):
        return c + jax.random.normal(key, c.shape), None
    out, _ = lax.scan(body, x, None, length=4)
    return out
def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), jax.random.key(seed))
