# Correct: new-style key, split into one key per example and vmap over the keys (jax.random docs).
import jax, jax.numpy as jnp, numpy as np

def f(key, xs):
    keys = jax.random.split(key, xs.shape[0])
    def one(k, x):
        return x + 0.1 * jax.random.normal(k, x.shape)
    return jax.vmap(one)(keys, xs)

def reference(key, xs):
    keys = jax.random.split(key, xs.shape[0])
    return xs + 0.1 * jax.vmap(lambda k: jax.random.normal(k, xs.shape[1:]))(keys)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 5)), jnp.float32))
