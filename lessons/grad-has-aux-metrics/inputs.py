import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    n, d = 256, 16
    true_w = rng.standard_normal(d)
    x = rng.standard_normal((n, d))
    y = (x @ true_w + 0.5 * rng.standard_normal(n) > 0).astype(np.float32)
    params = {
        "w": (0.1 * rng.standard_normal(d)).astype(np.float32),
        "b": np.asarray(0.1 * rng.standard_normal(), dtype=np.float32),
    }
    return params, x.astype(np.float32), y
