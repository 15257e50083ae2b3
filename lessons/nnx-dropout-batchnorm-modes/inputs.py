import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    shift = rng.uniform(-2.0, 2.0, size=(1, 1, 8))
    x_train = (shift + 1.5 * rng.standard_normal((3, 32, 8))).astype(np.float32)  # 3 batches of 32
    x_test = (shift[0] + 1.5 * rng.standard_normal((16, 8))).astype(np.float32)
    return x_train, x_test
