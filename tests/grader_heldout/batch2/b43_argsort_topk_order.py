# Pitfall: top-k indices via jnp.argsort(x)[-k:]: the right set but in ascending order, while lax.top_k
# (the reference) returns them largest first.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x):
    return jnp.argsort(x)[-3:]

def reference(x):
    return lax.top_k(x, 3)[1]

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32),)
