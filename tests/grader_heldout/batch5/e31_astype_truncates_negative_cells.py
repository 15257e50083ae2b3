"""Grid cell of integer coordinates via (coords / cell).astype(int32): truncates toward zero for negatives."""
import numpy as np
import jax
import jax.numpy as jnp


def f(coords, cell):
    idx = (coords / cell).astype(jnp.int32)
    return idx, coords - idx * cell


def reference(coords, cell):
    c = np.asarray(coords)
    return c // cell, c % cell


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(-50, 50, size=40).astype(np.int32), 8
