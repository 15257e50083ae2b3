"""Grid cell and offset of integer coordinates, negatives included: // and % floor like Python and NumPy."""
import numpy as np
import jax
import jax.numpy as jnp


def f(coords, cell):
    return coords // cell, coords % cell


def reference(coords, cell):
    c = np.asarray(coords)
    return c // cell, c % cell


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(-50, 50, size=40).astype(np.int32), 8
