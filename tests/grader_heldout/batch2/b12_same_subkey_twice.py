# Pitfall: split correctly, then feed the same subkey to two samplers (noise and dropout mask): the two
# draws are correlated (jax.random docs: never reuse a key; KeyReuseError under jax_debug_key_reuse).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    key, sub = jax.random.split(key)
    noise = 0.1 * jax.random.normal(sub, x.shape)
    keep = jax.random.bernoulli(sub, 0.9, x.shape)
    return jnp.where(keep, (x + noise) / 0.9, 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32))
