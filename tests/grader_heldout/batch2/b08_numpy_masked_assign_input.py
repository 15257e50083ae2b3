# Pitfall: ReLU written as NumPy masked assignment on the argument (`x[x < 0] = 0`): mutates the caller's
# array, and under jit raises (JAX arrays are immutable; Sharp Bits "In-place updates").
import jax, jax.numpy as jnp, numpy as np

def f(x):
    x[x < 0] = 0.0
    return jnp.asarray(x) ** 2

def reference(x):
    return jnp.maximum(x, 0.0) ** 2

def example_args(seed=0):
    return (np.random.default_rng(seed).normal(size=(10,)).astype(np.float32),)
