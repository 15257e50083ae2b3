"""Leaky ReLU on float16 activations with Python-scalar slopes: weakly typed scalars keep float16."""
import numpy as np
import jax
import jax.numpy as jnp


def f(h):
    return jnp.where(h > 0, h, 0.125 * h)


def reference(h):
    return np.where(h > 0, h, np.float16(0.125) * h)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(16, 8)).astype(np.float16),)
