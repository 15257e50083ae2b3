import jax.numpy as jnp


def f(w, x, y):
    """Least-squares loss 0.5 * mean((x @ w - y)^2) and its gradient w.r.t. w, on one device."""
    r = x @ w - y
    loss = 0.5 * jnp.mean(r ** 2)
    grad = x.T @ r / x.shape[0]
    return loss, grad
