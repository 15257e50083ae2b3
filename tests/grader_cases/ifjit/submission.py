import jax.numpy as jnp, numpy as np
def f(x):
    if x.sum() > 0:
        return x
    return -x
def example_args(seed=0): return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
