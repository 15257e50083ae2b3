# Pitfall: the learner's data arrive as NumPy arrays and the function normalises them IN PLACE
# (x -= mean mutates the caller's array; JAX arrays are immutable, so this only "works" on NumPy input).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    x -= x.mean(axis=0)
    x /= x.std(axis=0) + 1e-6
    return jnp.asarray(x) @ jnp.ones((x.shape[1],), jnp.float32)

def reference(x):
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    return z @ jnp.ones((x.shape[1],), jnp.float32)

def example_args(seed=0):
    return (np.random.default_rng(seed).normal(size=(8, 3)).astype(np.float32),)
