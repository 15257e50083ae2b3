# Correct: running mean with lax.scan carrying state.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(xs):
    def body(carry, x):
        s, n = carry
        s = s + x
        n = n + 1.0
        return (s, n), s / n
    _, means = lax.scan(body, (jnp.zeros(xs.shape[1:]), 0.0), xs)
    return means

def reference(xs):
    return jnp.cumsum(xs, axis=0) / jnp.arange(1, xs.shape[0] + 1)[:, None]

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(20, 3)), jnp.float32),)
