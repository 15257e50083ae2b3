"""Integer results where a NumPy float64 reference expects floats: with x64 off the reference counts as
float32, and the dtype still has to match."""

import jax.numpy as jnp
import numpy as np


def f(x):
    return jnp.floor(x * 10).astype(jnp.int32)


def reference(x):
    return np.floor(np.asarray(x, dtype=np.float64) * 10)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(32,)), jnp.float32),)
