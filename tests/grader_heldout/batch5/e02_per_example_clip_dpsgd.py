"""DP-SGD step: per-example gradients with vmap(grad), each clipped to norm C, then averaged."""
import numpy as np
import jax
import jax.numpy as jnp


def _example_loss(w, x, y):
    return 0.5 * (jnp.dot(x, w) - y) ** 2


def f(w, X, y, C):
    g = jax.vmap(jax.grad(_example_loss), in_axes=(None, 0, 0))(w, X, y)
    norms = jnp.linalg.norm(g, axis=1, keepdims=True)
    g = g * jnp.minimum(1.0, C / norms)
    return jnp.mean(g, axis=0)


def reference(w, X, y, C):
    w, X, y = np.asarray(w, np.float64), np.asarray(X, np.float64), np.asarray(y, np.float64)
    r = X @ w - y
    g = r[:, None] * X
    n = np.linalg.norm(g, axis=1, keepdims=True)
    g = g * np.minimum(1.0, C / n)
    return g.mean(axis=0)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(32, 6)).astype(np.float32)
    w = rng.normal(size=6).astype(np.float32)
    y = rng.normal(size=32).astype(np.float32)
    return w, X, y, 1.0
