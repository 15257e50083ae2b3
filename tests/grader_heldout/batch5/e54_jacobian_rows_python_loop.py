"""Softmax Jacobian built row by row: one jax.grad per output in a Python loop (jacrev does it in one pass)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(z):
    n = z.shape[0]
    rows = [jax.grad(lambda v, i=i: jax.nn.softmax(v)[i])(z) for i in range(n)]
    return jnp.stack(rows)


def reference(z):
    s = jax.nn.softmax(z)
    return jnp.diag(s) - jnp.outer(s, s)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=32).astype(np.float32),)
