# Pitfall: Python `if` on a traced value (gradient clipping). Eager works; jit raises
# TracerBoolConversionError (Sharp Bits "Control flow"). Fix: jnp.where / lax.cond.
import jax, jax.numpy as jnp, numpy as np

def f(g):
    norm = jnp.linalg.norm(g)
    if norm > 1.0:
        g = g / norm
    return g

def reference(g):
    norm = jnp.linalg.norm(g)
    return jnp.where(norm > 1.0, g / norm, g)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
