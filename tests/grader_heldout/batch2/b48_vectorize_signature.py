# Correct: a per-row function lifted with jnp.vectorize(signature="(n)->(n)") (implemented with vmap):
# vectorised, no Python loop.
import jax, jax.numpy as jnp, numpy as np

def _standardize(row):
    return (row - row.mean()) / (row.std() + 1e-6)

def f(x):
    return jnp.vectorize(_standardize, signature="(n)->(n)")(x)

def reference(x):
    return (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-6)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(5, 7)), jnp.float32),)
