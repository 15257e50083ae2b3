"""Standardise features and return a nested pytree: dict of a tuple, an array and a None leaf."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    mean = jnp.mean(x, axis=0)
    std = jnp.std(x, axis=0)
    return {"stats": (mean, std), "z": (x - mean) / std, "mask": None}


def reference(x):
    x = np.asarray(x, np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    return {"stats": (mean, std), "z": (x - mean) / std, "mask": None}


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(2.0, 3.0, size=(30, 5)).astype(np.float32),)
