# Correct: the same float32 (8,) input arrives as a NumPy array on some calls and as a jax.Array on others:
# same shape and dtype, so jit compiles once (verified: one compile for alternating np/jnp inputs). No reference.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return jnp.cumsum(x) / (jnp.arange(x.shape[0]) + 1)

def example_args(seed=0):
    x = np.random.default_rng(seed).normal(size=(8,)).astype(np.float32)
    return (x if seed % 2 == 0 else jnp.asarray(x),)
