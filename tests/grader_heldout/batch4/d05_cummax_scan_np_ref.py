# Correct (sequential): running maximum of a signal (drawdown-style) with lax.scan; the carry is the max so
# far and each step combines it with the new sample. Reference: np.maximum.accumulate (NumPy, untraceable).
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x):
    def step(m, xi):
        m = jnp.maximum(m, xi)
        return m, m
    return lax.scan(step, jnp.full(x.shape[1:], -jnp.inf, x.dtype), x)[1]


def reference(x):
    return np.maximum.accumulate(np.asarray(x), axis=0)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(50, 4)).cumsum(0), jnp.float32),)
