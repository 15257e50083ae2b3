# Correct: Python control flow on shapes/ndim is static under jit (Sharp Bits: shapes are concrete).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    if x.ndim == 1:
        x = x[None, :]
    n = x.shape[-1]
    if n % 2 == 1:
        x = jnp.pad(x, ((0, 0), (0, 1)))
    return x.reshape(x.shape[0], -1, 2).sum(-1)

def reference(x):
    x = jnp.atleast_2d(x)
    if x.shape[-1] % 2:
        x = jnp.concatenate([x, jnp.zeros((x.shape[0], 1), x.dtype)], axis=1)
    return x[:, 0::2] + x[:, 1::2]

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(7,)), jnp.float32),)
