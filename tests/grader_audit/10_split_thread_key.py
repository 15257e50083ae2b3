# Correct: split threading, each subkey used once, the new key returned (jax.random docs "Basic usage").
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    key, k1, k2 = jax.random.split(key, 3)
    noise = jax.random.normal(k1, x.shape)
    keep = jax.random.bernoulli(k2, 0.9, x.shape)
    return key, jnp.where(keep, x + 0.1 * noise, 0.0)

def reference(key, x):
    key, k1, k2 = jax.random.split(key, 3)
    return key, jnp.where(jax.random.bernoulli(k2, 0.9, x.shape), x + 0.1 * jax.random.normal(k1, x.shape), 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32))
