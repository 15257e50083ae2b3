import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 3.0, size=(16, 1))
    return ((scale * rng.standard_normal((16, 8))).astype(np.float32),)
