import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    n_layers, batch, d, hidden = 8, 128, 64, 512
    params = {
        "w1": (rng.standard_normal((n_layers, d, hidden)) / np.sqrt(d)).astype(np.float32),
        "w2": (rng.standard_normal((n_layers, hidden, d)) / np.sqrt(hidden) * 0.5).astype(np.float32),
    }
    x = rng.standard_normal((batch, d)).astype(np.float32)
    return params, x
