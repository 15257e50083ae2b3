# Pitfall: splits the key but then draws from the PARENT key as well (docs: after split, the old key must be
# discarded; split consumes it under jax_debug_key_reuse).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    k1, k2 = jax.random.split(key)
    noise = jax.random.normal(key, x.shape)          # parent key reused
    keep = jax.random.bernoulli(k1, 0.8, x.shape)
    return jnp.where(keep, x + 0.1 * noise, 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32))
