import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x_small = rng.standard_normal((3, 64)).astype(np.float32)     # a request with 3 examples
    x_large = rng.standard_normal((17, 64)).astype(np.float32)    # another with 17
    w = (rng.standard_normal((64, 10)) / 8.0).astype(np.float32)
    b = (0.1 * rng.standard_normal(10)).astype(np.float32)
    return x_small, x_large, w, b
