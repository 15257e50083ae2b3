import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # Logits of a confident classifier: 64 examples x 128 classes, values in the hundreds
    # (large temperature-free scores are common in retrieval and distillation).
    logits = 40.0 * rng.standard_normal((64, 128))
    logits[:16] += 150.0      # some rows shifted far up: exp overflows
    logits[16:32] -= 250.0    # some far down: exp underflows to 0
    return (logits.astype(np.float32),)
