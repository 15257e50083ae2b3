"""Histogram counts with counts.at[idx].set(counts[idx] + 1): duplicates do not accumulate."""
import numpy as np
import jax
import jax.numpy as jnp


def f(bins):
    counts = jnp.zeros(16, jnp.float32)
    return counts.at[bins].set(counts[bins] + 1.0)


def reference(bins):
    return np.bincount(np.asarray(bins), minlength=16).astype(np.float32)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 16, size=300).astype(np.int32),)
