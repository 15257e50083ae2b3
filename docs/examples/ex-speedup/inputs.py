import numpy as np


def make_args(seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(32, 64)).astype("float32"),)
