import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 128)).astype(np.float32)
    gamma = (1.0 + 0.1 * rng.standard_normal(128)).astype(np.float32)
    beta = (0.1 * rng.standard_normal(128)).astype(np.float32)
    return x, gamma, beta
