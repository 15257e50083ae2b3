import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    w_true = rng.standard_normal(4)
    y = x @ w_true + 0.1 * rng.standard_normal(64)
    y[rng.choice(64, size=3, replace=False)] += 50.0  # a few corrupted labels: huge gradients
    return x, y.astype(np.float32)
