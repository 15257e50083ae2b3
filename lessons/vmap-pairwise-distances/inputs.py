import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 16)).astype(np.float32)
    y = rng.standard_normal((128, 16)).astype(np.float32)
    return x, y
