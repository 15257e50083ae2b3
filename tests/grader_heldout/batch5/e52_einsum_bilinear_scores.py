"""Batched bilinear scores s_b = x_b^T W y_b with one jnp.einsum (no loop over the batch)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x, W, y):
    return jnp.einsum("bi,ij,bj->b", x, W, y)


def reference(x, W, y):
    x, W, y = (np.asarray(a, np.float64) for a in (x, W, y))
    return np.array([x[b] @ W @ y[b] for b in range(x.shape[0])])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(24, 6)).astype(np.float32)
    W = rng.normal(size=(6, 7)).astype(np.float32)
    y = rng.normal(size=(24, 7)).astype(np.float32)
    return x, W, y
