import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 64)).astype(np.float32)          # a batch of 32 requests
    w = (rng.standard_normal((64, 100)) / 8.0).astype(np.float32)  # a linear classifier over 100 classes
    b = (0.1 * rng.standard_normal(100)).astype(np.float32)
    temperature = float(rng.uniform(0.5, 2.0))  # per-request sampling temperature: changes every call
    k = 5                                      # how many classes to return: fixed by the API
    return x, w, b, temperature, k
