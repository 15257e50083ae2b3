import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # A batch of 4 RGB images of 16x16 pixels from a PyTorch-style loader: NCHW layout.
    x = rng.standard_normal((4, 3, 16, 16)).astype(np.float32)
    return (x,)
