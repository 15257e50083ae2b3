# Pitfall (broadcasting): centring each row with x.mean(axis=1) (shape (N,)) instead of keepdims=True
# (N, 1): on a square matrix it broadcasts silently along the wrong axis (subtracts row means per column).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return x - x.mean(axis=1)

def reference(x):
    return x - x.mean(axis=1, keepdims=True)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(4, 4)), jnp.float32),)
