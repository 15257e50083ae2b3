import numpy as np
import jax.numpy as jnp
def f(x):
    x[0] = 0.0
    return jnp.asarray(x) * 2
def example_args(seed=0): return (np.random.default_rng(seed).normal(size=(8,)).astype(np.float32),)
