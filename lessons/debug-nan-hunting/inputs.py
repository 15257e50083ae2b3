import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    z = (3.0 * rng.standard_normal(32)).astype(np.float32)          # logits
    z[rng.choice(32, size=4, replace=False)] = rng.choice([-120.0, 95.0, 120.0], size=4)  # confident ones
    v = rng.standard_normal((32, 3)).astype(np.float32)             # offsets
    v[rng.choice(32, size=3, replace=False)] = 0.0                  # exactly on target
    return z, v
