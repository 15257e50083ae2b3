import jax.numpy as jnp, numpy as np
def f(x):
    out = 0.0
    for i in range(x.shape[0]):
        out = out + x[i] * x[i]
    return out
def reference(x): return jnp.sum(x * x)
def example_args(seed=0): return (jnp.asarray(np.random.default_rng(seed).normal(size=(200,)), jnp.float32),)
