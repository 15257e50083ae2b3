import jax.numpy as jnp
import numpy as np


def f(x, b):
    # b has shape (n, 1): adding a (n,) row sum broadcasts to (n, n)
    return jnp.sum(x, axis=1) + b


def reference(x, b):
    return jnp.sum(x, axis=1) + b[:, 0]


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(6, 4)), jnp.float32), jnp.asarray(rng.normal(size=(6, 1)), jnp.float32))
