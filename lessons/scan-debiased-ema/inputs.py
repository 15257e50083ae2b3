import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # A noisy random walk: 32 time steps of 64 features (e.g. per-step metrics of 64 runs).
    steps = rng.standard_normal((32, 64)).astype(np.float32)
    xs = np.cumsum(0.1 * steps, axis=0) + rng.standard_normal((1, 64)).astype(np.float32)
    return (xs.astype(np.float32),)
