import jax.numpy as jnp, numpy as np
g = 0.5
def f(x):
    return x + g
def example_args(seed=0): return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
