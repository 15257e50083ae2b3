"""Correct legacy-key code that looks at the key's uint32 data (`key[0]`, `key.dtype`): it must compute
under the grader exactly as in plain JAX, and its keys are still used once each."""

import jax
import jax.numpy as jnp
import numpy as np


def f(x, key):
    k1, k2 = jax.random.split(key)
    offset = (key[0] % 7).astype(jnp.float32)  # legacy keys are uint32 arrays
    return x + jax.random.normal(k1, x.shape) + jax.random.uniform(k2, ()) + offset


def reference(x, key):
    k1, k2 = jax.random.split(key)
    return x + jax.random.normal(k1, x.shape) + jax.random.uniform(k2, ()) + (key[0] % 7).astype(jnp.float32)


def example_args(seed=0):
    x = jnp.asarray(np.random.default_rng(seed).normal(size=(5,)), jnp.float32)
    return (x, jax.random.PRNGKey(seed + 3))
