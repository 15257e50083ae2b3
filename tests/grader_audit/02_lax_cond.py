# Correct: data-dependent branch via lax.cond (Sharp Bits: control flow).
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x):
    return lax.cond(x.sum() > 0, lambda v: v * 2.0, lambda v: -v, x)

def reference(x):
    return jnp.where(x.sum() > 0, x * 2.0, -x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
