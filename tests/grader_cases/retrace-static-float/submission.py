import jax.numpy as jnp
import numpy as np


def f(w, lr, g):
    return w - lr * g


def reference(w, lr, g):  # shares the mistake: still a retrace failure
    return w - lr * g


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    w, g = (jnp.asarray(rng.normal(size=(8,)), jnp.float32) for _ in range(2))
    return w, 0.1 / (1 + seed), g  # a decaying learning rate, marked static
