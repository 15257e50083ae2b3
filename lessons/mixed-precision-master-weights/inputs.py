import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    steps, batch, d = 32, 64, 128
    w_true = rng.standard_normal(d)
    w0 = (0.5 * rng.standard_normal(d) + 1.0).astype(np.float32)   # weights of order 1
    xs = rng.standard_normal((steps, batch, d)).astype(np.float32)
    ys = (xs @ w_true + 0.1 * rng.standard_normal((steps, batch))).astype(np.float32)
    return w0, xs, ys
