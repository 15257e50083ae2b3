import jax.numpy as jnp
import numpy as np


def f(history):
    return jnp.mean(history, axis=0)


def reference(history):
    return jnp.mean(history, axis=0)


def example_args(seed=0):
    # the history grows by one row on every call
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(4 + seed, 3)), jnp.float32),)
