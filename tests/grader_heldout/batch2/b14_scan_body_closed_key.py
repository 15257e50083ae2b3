# Pitfall: noisy recurrence in lax.scan whose body samples from a key closed over from outside: every step
# draws the SAME noise (JAX's key-reuse checker: "scan body function leads to key reuse when repeatedly
# executed"). Fix: scan over split(key, T) or carry the key and split it each step.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(key, xs):
    def body(h, x):
        h = 0.9 * h + x + 0.1 * jax.random.normal(key, h.shape)
        return h, h
    return lax.scan(body, jnp.zeros(xs.shape[1:], xs.dtype), xs)[1]

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(6, 3)), jnp.float32))
