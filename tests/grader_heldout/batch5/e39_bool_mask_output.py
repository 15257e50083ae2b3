"""In-range mask as a bool array (comparisons and & on bool arrays)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x, lo, hi):
    return (x >= lo) & (x <= hi)


def reference(x, lo, hi):
    x = np.asarray(x)
    return (x >= lo) & (x <= hi)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(10, 10)).astype(np.float32), -0.5, 0.75
