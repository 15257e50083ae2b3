"""Covariance matrix filled entry by entry with nested Python loops (unrolled: 100 dot products)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(X):
    n, d = X.shape
    Xc = X - jnp.mean(X, axis=0)
    rows = []
    for i in range(d):
        row = []
        for j in range(d):
            row.append(jnp.dot(Xc[:, i], Xc[:, j]) / (n - 1))
        rows.append(jnp.stack(row))
    return jnp.stack(rows)


def reference(X):
    Xc = X - jnp.mean(X, axis=0)
    return Xc.T @ Xc / (X.shape[0] - 1)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(32, 10)).astype(np.float32),)
