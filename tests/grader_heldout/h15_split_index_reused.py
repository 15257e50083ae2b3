# Pitfall: splits into 3 subkeys but uses keys[0] twice (and keys[2] never).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    keys = jax.random.split(key, 3)
    a = jax.random.uniform(keys[0], x.shape)
    b = jax.random.uniform(keys[1], x.shape)
    c = jax.random.normal(keys[0], x.shape)
    return x * a + b + c

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(6,)), jnp.float32))
