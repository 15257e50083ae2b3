import jax
import numpy as np


def make_args(seed):
    x = np.random.default_rng(seed).normal(size=(16,)).astype("float32")
    return x, jax.random.key(seed)
