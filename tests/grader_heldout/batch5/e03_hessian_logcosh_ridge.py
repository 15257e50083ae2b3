"""Newton step ingredients: jax.hessian of a log-cosh regression loss with a ridge term."""
import numpy as np
import jax
import jax.numpy as jnp


def _loss(w, X, y, lam):
    return jnp.sum(jnp.log(jnp.cosh(X @ w - y))) + 0.5 * lam * jnp.sum(w * w)


def f(w, X, y, lam):
    return jax.hessian(_loss)(w, X, y, lam)


def reference(w, X, y, lam):
    w, X, y = np.asarray(w, np.float64), np.asarray(X, np.float64), np.asarray(y, np.float64)
    s = 1.0 / np.cosh(X @ w - y) ** 2
    return X.T @ (s[:, None] * X) + lam * np.eye(len(w))


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4)).astype(np.float32) * 0.5
    w = rng.normal(size=4).astype(np.float32) * 0.5
    y = rng.normal(size=40).astype(np.float32) * 0.5
    return w, X, y, 0.1
