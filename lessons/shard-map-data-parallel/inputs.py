import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    n, d = 64, 16          # 64 examples: 8 per device on an 8-device mesh
    w = rng.standard_normal(d).astype(np.float32)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    return w, x, y
