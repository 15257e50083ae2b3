import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 8)).astype(np.float32)
    w_true = rng.standard_normal((8, 1)).astype(np.float32)
    y = (np.tanh(x @ w_true) + 0.05 * rng.standard_normal((64, 1))).astype(np.float32)
    return x, y
