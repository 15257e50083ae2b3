# Pitfall: float() on traced values to build a Python list (ConcretizationTypeError under jit).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    vals = [float(v) for v in x]
    m = max(vals)
    return jnp.array([v - m for v in vals])

def reference(x):
    return x - x.max()

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(6,)), jnp.float32),)
