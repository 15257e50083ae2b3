"""Ranking by descending integer score with jnp.argsort(x)[::-1]: ties come out in reverse order."""
import numpy as np
import jax
import jax.numpy as jnp


def f(scores):
    return jnp.argsort(scores)[::-1]


def reference(scores):
    return np.argsort(-np.asarray(scores), kind="stable")


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 5, size=30).astype(np.int32),)
