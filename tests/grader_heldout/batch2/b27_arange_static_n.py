# Correct: as b25 but run with --static-argnums 1: n is a Python int, static and the same on every call.
import jax, jax.numpy as jnp, numpy as np

def f(x, n):
    idx = jnp.arange(n)
    return x[idx].sum()

def reference(x, n):
    return x[:n].sum()

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32), 5)
