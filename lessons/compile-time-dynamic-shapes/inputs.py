import numpy as np

_LENGTHS = [37, 90, 5, 128]


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # A sequence padded to 128 positions (32 features each); only the first n are real tokens.
    x = rng.standard_normal((128, 32)).astype(np.float32)
    n = _LENGTHS[seed % len(_LENGTHS)]
    x[n:] = 0.0
    return x, n
