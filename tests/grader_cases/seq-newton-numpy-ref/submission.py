import jax
import jax.numpy as jnp
import numpy as np


def f(x):
    """Square roots by Newton's method: each iterate needs the previous one."""

    def body(c):
        i, z = c
        return i + 1, 0.5 * (z + x / z)

    return jax.lax.while_loop(lambda c: c[0] < 20, body, (0, jnp.maximum(x, 1.0)))[1]


def reference(x):
    return np.sqrt(np.asarray(x))  # a NumPy reference: it cannot be traced


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 50.0, size=(64,)), jnp.float32),)
