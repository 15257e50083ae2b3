# Pitfall (vectorization): normalising each row in a Python list comprehension and stacking: jit unrolls the
# loop into one copy per row. Fix: x / x.sum(axis=1, keepdims=True) or vmap.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return jnp.stack([row / row.sum() for row in x])

def reference(x):
    return x / x.sum(axis=1, keepdims=True)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.1, 1.0, size=(16, 5)), jnp.float32),)
