# Correct: first differences written with slices (x[1:] - x[:-1]) instead of jnp.diff: same result.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return x[1:] - x[:-1]

def reference(x):
    return jnp.diff(x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(12,)), jnp.float32),)
