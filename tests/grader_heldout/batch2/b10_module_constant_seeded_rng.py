# Correct: a fixed random projection built ONCE at import time from a seeded NumPy generator; the function
# only reads this constant (never changed), so it is pure. No RNG is called inside f.
import jax, jax.numpy as jnp, numpy as np

PROJ = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32) / np.sqrt(8.0)

def f(x):
    return x @ PROJ

def reference(x):
    return jnp.dot(x, jnp.asarray(PROJ))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed + 1).normal(size=(4, 8)), jnp.float32),)
