# Pitfall: inputs arrive as float32 on some calls and bfloat16 on others (mixed data pipeline): dtype is
# part of jit's cache key, so the function compiles again for each dtype. No reference.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return x * jax.nn.sigmoid(x)

def example_args(seed=0):
    dt = jnp.float32 if seed % 2 == 0 else jnp.bfloat16
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), dt),)
