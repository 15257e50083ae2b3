"""Hessian-vector product without forming the Hessian: jax.jvp of jax.grad (autodiff cookbook)."""
import numpy as np
import jax
import jax.numpy as jnp


def _loss(w, X, y):
    return jnp.sum(jnp.log(jnp.cosh(X @ w - y))) + 0.05 * jnp.sum(w * w)


def f(w, v, X, y):
    g = lambda w_: jax.grad(_loss)(w_, X, y)
    return jax.jvp(g, (w,), (v,))[1]


def reference(w, v, X, y):
    w, v, X, y = (np.asarray(a, np.float64) for a in (w, v, X, y))
    s = 1.0 / np.cosh(X @ w - y) ** 2
    H = X.T @ (s[:, None] * X) + 0.1 * np.eye(len(w))
    return H @ v


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(50, 8)).astype(np.float32) * 0.5
    w = rng.normal(size=8).astype(np.float32) * 0.5
    v = rng.normal(size=8).astype(np.float32)
    y = rng.normal(size=50).astype(np.float32) * 0.5
    return w, v, X, y
