"""Energy sum(x**2) of int32 samples up to 60000: x*x wraps around in int32 before the float cast."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    return jnp.sum(x * x).astype(jnp.float32)


def reference(x):
    x = np.asarray(x, np.int64)
    return np.float32(np.sum(x * x))


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(-60000, 60000, size=64).astype(np.int32),)
