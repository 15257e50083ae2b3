# Pitfall (correctness), fast: a gradient step on least squares, vectorised, but the update ADDS the gradient
# (w + lr * g). It is much faster than the NumPy per-sample loop baseline, yet wrong, so no speedup may be
# awarded (issue 10: speedup is skipped when correctness did not pass). Run with --min-speedup 3.
import jax, jax.numpy as jnp, numpy as np


def f(w, X, y):
    g = X.T @ (X @ w - y) / X.shape[0]
    return w + 0.1 * g


def reference(w, X, y):
    g = X.T @ (X @ w - y) / X.shape[0]
    return w - 0.1 * g


def baseline(w, X, y):
    w, X, y = np.asarray(w), np.asarray(X), np.asarray(y)
    g = np.zeros_like(w)
    for i in range(X.shape[0]):
        g += (X[i] @ w - y[i]) * X[i]
    return w - 0.1 * g / X.shape[0]


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4096, 16))
    return tuple(jnp.asarray(a, jnp.float32) for a in (rng.normal(size=(16,)), X, X @ rng.normal(size=(16,))))
