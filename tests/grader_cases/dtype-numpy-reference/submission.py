"""A float32 JAX submission against a NumPy float64 reference, x64 off: the values match, so it passes
(the reference is compared as `jnp.asarray` would hold it, float32)."""

import jax.numpy as jnp
import numpy as np


def f(x):
    return jnp.cumsum(x * x) / (1.0 + jnp.arange(x.shape[0]))


def reference(x):
    x = np.asarray(x, dtype=np.float64)
    return np.cumsum(x * x) / (1.0 + np.arange(x.shape[0]))


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(64,)), jnp.float32),)
