import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 64)).astype(np.float32)
    w = (rng.standard_normal((64, 64)) / 8.0).astype(np.float32)
    pool_sizes = (1, 2, 4, 8)   # static configuration: same on every call
    activation = "gelu"
    return x, w, pool_sizes, activation
