# Pitfall (correctness, transposition): attention scores for square inputs computed as k @ q.T instead of
# q @ k.T: same shape (16, 16), every entry in the transposed place. Expected diagnostic: transposed.
import jax, jax.numpy as jnp, numpy as np


def f(q, k):
    return (k @ q.T) / jnp.sqrt(q.shape[-1])


def reference(q, k):
    return (q @ k.T) / jnp.sqrt(q.shape[-1])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(16, 8)), jnp.float32), jnp.asarray(rng.normal(size=(16, 8)), jnp.float32))
