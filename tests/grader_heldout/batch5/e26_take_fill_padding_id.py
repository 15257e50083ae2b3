"""Embedding lookup where id == vocab (padding) must give a zero row: jnp.take(mode='fill', fill_value=0)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(table, ids):
    return jnp.take(table, ids, axis=0, mode="fill", fill_value=0.0)


def reference(table, ids):
    padded = np.vstack([table, np.zeros((1, table.shape[1]), table.dtype)])
    return padded[np.asarray(ids)]


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(10, 4)).astype(np.float32)
    ids = rng.integers(0, 11, size=(6, 5)).astype(np.int32)
    ids[:, -1] = 10
    return table, ids
