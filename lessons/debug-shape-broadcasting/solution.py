import chex
import jax.numpy as jnp


def f(w, x, y):
    n = x.shape[0]
    chex.assert_shape(w, (x.shape[1], 1))
    chex.assert_shape(y, (n,))
    pred = (x @ w)[:, 0]                 # (n, 1) -> (n,): make the shapes agree explicitly
    chex.assert_equal_shape([pred, y])   # fails at trace time, with both shapes, if they ever drift
    residuals = pred - y
    return jnp.mean(residuals ** 2), residuals
