import jax.numpy as jnp


def f(x, w):
    s = x @ w
    # softplus(s) = log(1 + exp(s)); written via a sqrt detour that has an infinite slope at 0
    safe = jnp.sqrt(jnp.maximum(s, 0.0)) ** 2
    return jnp.log1p(jnp.exp(-jnp.abs(s))) + safe
