"""Row-wise L2 normalisation with lax.map: a sequential loop over independent rows (vmap/broadcast wanted)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    return jax.lax.map(lambda row: row / jnp.linalg.norm(row), x)


def reference(x):
    return x / jnp.linalg.norm(x, axis=1, keepdims=True)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(64, 16)).astype(np.float32),)
