import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # 128 examples of 64 features, projected to 32 normalised embedding dimensions.
    x = rng.standard_normal((128, 64)).astype(np.float32)
    w = (rng.standard_normal((64, 32)) / 8.0).astype(np.float32)
    return x, w
