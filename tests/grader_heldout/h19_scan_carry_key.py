# Correct: the key travels in the lax.scan carry and is split every step (each subkey used once).
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x0, key):
    def step(carry, _):
        x, k = carry
        k, sub = jax.random.split(k)
        x = 0.9 * x + 0.1 * jax.random.normal(sub, x.shape)
        return (x, k), x.mean()
    (x, _), means = lax.scan(step, (x0, key), None, length=5)
    return x, means

def reference(x0, key):
    def step(carry, _):
        x, k = carry
        k, sub = jax.random.split(k)
        x = 0.9 * x + 0.1 * jax.random.normal(sub, x.shape)
        return (x, k), x.mean()
    (x, _), means = lax.scan(step, (x0, key), None, length=5)
    return x, means

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), jax.random.key(seed))
