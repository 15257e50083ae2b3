# Pitfall: Python `while` on a traced condition (halve until the norm is <= 1): TracerBoolConversionError
# under jit (Sharp Bits "Control flow"). Fix: lax.while_loop.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x):
    while jnp.linalg.norm(x) > 1.0:
        x = x * 0.5
    return x

def reference(x):
    return lax.while_loop(lambda v: jnp.linalg.norm(v) > 1.0, lambda v: v * 0.5, x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(6,)) * 3.0, jnp.float32),)
