import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    w_true = rng.standard_normal((5, 1))
    y = ((x @ w_true)[:, 0] + 0.1 * rng.standard_normal(64)).astype(np.float32)  # targets: shape (64,)
    w = (w_true + 0.3 * rng.standard_normal((5, 1))).astype(np.float32)          # current weights (5, 1)
    return w, x, y
