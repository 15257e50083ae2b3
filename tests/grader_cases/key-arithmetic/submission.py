"""Arithmetic on a legacy PRNGKey (`key + i`): valid in plain JAX (uint32 keys), so the grader must compute
it the same way (correctness passes), and the prng check names the line and the fix (fold_in/split)."""

import jax
import jax.numpy as jnp
import numpy as np


def f(x, key):
    total = jnp.zeros_like(x)
    for i in range(3):
        total = total + jax.random.normal(key + i, x.shape)
    return x + 0.1 * total


def reference(x, key):
    return x + 0.1 * sum(jax.random.normal(key + i, x.shape) for i in range(3))


def example_args(seed=0):
    x = jnp.asarray(np.random.default_rng(seed).normal(size=(6,)), jnp.float32)
    return (x, jax.random.PRNGKey(seed))
