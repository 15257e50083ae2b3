import numpy as np


def make_args(seed):
    x = np.random.default_rng(seed).normal(size=(8,)).astype("float32")
    return x, float(seed + 1)  # a new Python float on every call
