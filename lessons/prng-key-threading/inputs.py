import jax
import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 64)).astype(np.float32)
    key = jax.random.key(1000 + seed)  # a new-style typed key
    return x, key
