"""Scores rounded half away from zero are wanted (2.5 -> 3); jnp.round rounds half to even (2.5 -> 2)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    return jnp.round(x)


def reference(x):
    x = np.asarray(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.integers(-20, 20, size=40) / 2.0).astype(np.float32),)
