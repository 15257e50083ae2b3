import numpy as np


def make_args(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(48, 16)).astype(np.float32)
    w = rng.normal(size=(16,)).astype(np.float32)
    return x, w
