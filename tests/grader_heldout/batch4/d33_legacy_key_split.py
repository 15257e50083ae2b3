# Correct (prng): the fix for d31/d32 on a legacy PRNGKey: split into two subkeys, one per draw
# (jax.random docs: "If you need a new random number, you can use jax.random.split()"). No reference.
import jax, jax.numpy as jnp, numpy as np


def f(x, key):
    k1, k2 = jax.random.split(key)
    keep = jax.random.bernoulli(k1, 0.8, x.shape)
    noise = jax.random.normal(k2, x.shape)
    return jnp.where(keep, x / 0.8, 0.0) + 0.01 * noise


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32), jax.random.PRNGKey(seed))
