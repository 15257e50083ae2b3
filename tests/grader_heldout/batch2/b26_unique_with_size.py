# Correct: jnp.unique with size= and fill_value= has a static output shape, so it works under jit.
import jax, jax.numpy as jnp, numpy as np

def f(labels):
    return jnp.unique(labels, size=5, fill_value=-1)

def reference(labels):
    return jnp.nonzero(jnp.bincount(labels, length=5) > 0, size=5, fill_value=-1)[0]

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).integers(0, 5, size=(4,)), jnp.int32),)
