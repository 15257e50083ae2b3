# Correct: noisy recurrence that scans over one pre-split key per step (split(key, T) as scan xs).
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(key, xs):
    keys = jax.random.split(key, xs.shape[0])
    def body(h, inp):
        x, k = inp
        h = 0.9 * h + x + 0.1 * jax.random.normal(k, h.shape)
        return h, h
    return lax.scan(body, jnp.zeros(xs.shape[1:], xs.dtype), (xs, keys))[1]

def reference(key, xs):
    keys = jax.random.split(key, xs.shape[0])
    def body(h, inp):
        h = 0.9 * h + inp[0] + 0.1 * jax.random.normal(inp[1], h.shape)
        return h, h
    return lax.scan(body, jnp.zeros(xs.shape[1:], xs.dtype), (xs, keys))[1]

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(6, 3)), jnp.float32))
