# Correct: the "double where" idiom for a safe sqrt (FAQ "gradients contain NaN where using where").
import jax, jax.numpy as jnp, numpy as np

def f(x):
    safe = jnp.where(x > 0, x, 1.0)
    return jnp.where(x > 0, jnp.sqrt(safe), 0.0)

def reference(x):
    return jnp.sqrt(jnp.maximum(x, 0.0))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32),)
