# Correct: key threading: split, use the subkey, return the new key for the caller's next step.
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    key, sub = jax.random.split(key)
    return key, x + 0.1 * jax.random.normal(sub, x.shape)

def reference(key, x):
    keys = jax.random.split(key)
    return keys[0], x + 0.1 * jax.random.normal(keys[1], x.shape)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32))
