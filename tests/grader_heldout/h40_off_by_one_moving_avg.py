# Pitfall (correctness): moving average over a window of 3 that drops the wrong end (off by one):
# returns averages ending at i+1 instead of windows [i, i+3).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    c = jnp.cumsum(x)
    return (c[3:] - c[:-3]) / 3.0

def reference(x):
    c = jnp.concatenate([jnp.zeros((1,), x.dtype), jnp.cumsum(x)])
    return (c[3:] - c[:-3]) / 3.0

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(12,)), jnp.float32),)
