# Correct values, loop-heavy (time limits + vectorization): squared distances with a Python double loop over
# 20 points (400 scalar dot products). Eagerly slow-ish and unrolled under jit (jax.lax.scan docs), so it
# fails vectorization, but it is right: correctness must pass, not time out into a failure.
import jax, jax.numpy as jnp, numpy as np


def f(x):
    n = x.shape[0]
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            d = x[i] - x[j]
            row.append(jnp.dot(d, d))
        rows.append(jnp.stack(row))
    return jnp.stack(rows)


def reference(x):
    x = np.asarray(x, np.float64)
    return ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(20, 3)), jnp.float32),)
