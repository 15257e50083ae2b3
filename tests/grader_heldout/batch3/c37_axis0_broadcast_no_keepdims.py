# Correct: column standardisation without keepdims: stats over axis 0 have shape (D,), which broadcasts
# against (N, D) along the right axis (NumPy broadcasting aligns trailing axes). Reference uses keepdims.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return (x - x.mean(0)) / x.std(0)

def reference(x):
    mu = jnp.mean(x, axis=0, keepdims=True)
    return (x - mu) / jnp.sqrt(jnp.mean((x - mu) ** 2, axis=0, keepdims=True))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(32, 5)), jnp.float32),)
