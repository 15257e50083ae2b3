# Correct: a Python bool flag used through jnp.where (not `if`): traced, works under jit, and True/False
# have the same abstract value (bool[]), so alternating values do not recompile.
import jax, jax.numpy as jnp, numpy as np

def f(x, clip):
    return jnp.where(clip, jnp.clip(x, -1.0, 1.0), x)

def reference(x, clip):
    return jnp.clip(x, -1.0, 1.0) if clip else x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)) * 2.0, jnp.float32), seed % 2 == 0)
