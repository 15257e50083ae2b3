# Correct but slow (time limits): the learner builds a 600x600 Gaussian smoothing matrix with nested Python
# loops and math.exp on every call (~360k Python iterations, a few tenths of a second), then applies it
# with one matmul. Only Python ints/floats are looped over, so the traced program is tiny (a constant and
# a dot). It is slow Python, not wrong: it must not be reported as a correctness failure (issue 10 item 4).
import math

import jax, jax.numpy as jnp, numpy as np

N = 600
SIGMA = 3.0


def f(x):
    rows = []
    for i in range(N):
        row = [math.exp(-((i - j) ** 2) / (2 * SIGMA**2)) for j in range(N)]
        s = sum(row)
        rows.append([v / s for v in row])
    return jnp.asarray(rows, jnp.float32) @ x


def reference(x):
    i = np.arange(N)
    K = np.exp(-((i[:, None] - i[None, :]) ** 2) / (2 * SIGMA**2))
    return (K / K.sum(1, keepdims=True)) @ np.asarray(x, np.float64)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(N,)), jnp.float32),)
