# Correct: Python loop that threads the key with `key, sub = split(key)` every iteration (jax.random
# "Basic usage"), each subkey used once.
import jax, jax.numpy as jnp, numpy as np

def f(x, key):
    for _ in range(3):
        key, sub = jax.random.split(key)
        x = 0.9 * x + 0.1 * jax.random.normal(sub, x.shape)
    return x

def reference(x, key):
    for _ in range(3):
        key, sub = jax.random.split(key)
        x = 0.9 * x + 0.1 * jax.random.normal(sub, x.shape)
    return x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), jax.random.key(seed))
