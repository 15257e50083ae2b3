# Pitfall: trimmed mean that sorts its NumPy argument in place (`x.sort()`), changing the caller's array
# (Sharp Bits "In-place updates": JAX functions must not mutate their inputs). Fix: jnp.sort(x).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    x.sort()
    return jnp.mean(jnp.asarray(x[1:-1]))

def reference(x):
    return jnp.mean(jnp.sort(x)[1:-1])

def example_args(seed=0):
    return (np.random.default_rng(seed).normal(size=(10,)).astype(np.float32),)
