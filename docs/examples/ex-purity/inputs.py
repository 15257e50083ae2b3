import numpy as np


def make_args(seed):
    return (np.random.default_rng(seed).normal(size=(8,)).astype("float32"),)
