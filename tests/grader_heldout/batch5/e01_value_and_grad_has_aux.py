"""Logistic regression loss, gradient and accuracy in one pass: jax.value_and_grad(has_aux=True)."""
import numpy as np
import jax
import jax.numpy as jnp


def _loss(w, X, y):
    z = X @ w
    loss = jnp.mean(jnp.logaddexp(0.0, z) - y * z)
    acc = jnp.mean(((z > 0).astype(jnp.float32) == y).astype(jnp.float32))
    return loss, acc


def f(w, X, y):
    (loss, acc), g = jax.value_and_grad(_loss, has_aux=True)(w, X, y)
    return loss, g, acc


def reference(w, X, y):
    w, X, y = np.asarray(w, np.float64), np.asarray(X, np.float64), np.asarray(y, np.float64)
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    g = X.T @ (p - y) / len(y)
    acc = np.mean((z > 0).astype(np.float64) == y)
    return loss, g, acc


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 5)).astype(np.float32)
    w = rng.normal(size=5).astype(np.float32)
    y = (rng.random(64) < 0.5).astype(np.float32)
    return w, X, y
