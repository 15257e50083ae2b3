"""Input saliency dL/dx of a logistic model, but jax.grad differentiates argument 0 (the weights)."""
import numpy as np
import jax
import jax.numpy as jnp


def _loss(w, x, y):
    z = jnp.dot(w, x)
    return jnp.logaddexp(0.0, z) - y * z


def f(w, x, y):
    return jax.grad(_loss)(w, x, y)


def reference(w, x, y):
    w, x = np.asarray(w, np.float64), np.asarray(x, np.float64)
    p = 1.0 / (1.0 + np.exp(-(w @ x)))
    return (p - y) * w


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=10).astype(np.float32)
    x = rng.normal(size=10).astype(np.float32)
    return w, x, 1.0
