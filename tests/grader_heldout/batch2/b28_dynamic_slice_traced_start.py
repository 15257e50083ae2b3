# Correct: window at a traced start index with lax.dynamic_slice (static size 4); the start (a Python int)
# changes every call but is traced, weakly typed int32: no recompilation.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x, start):
    return lax.dynamic_slice(x, (start,), (4,))

def reference(x, start):
    return x[start:start + 4]

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(12,)), jnp.float32), seed + 1)
