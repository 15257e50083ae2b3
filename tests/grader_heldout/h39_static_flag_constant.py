# Correct: a boolean `training` flag declared static (run WITH --static-argnums 2), same value every call:
# one compilation (jit docs static_argnums).
import jax, jax.numpy as jnp, numpy as np

def f(x, key, training):
    if training:
        keep = jax.random.bernoulli(key, 0.9, x.shape)
        return jnp.where(keep, x / 0.9, 0.0)
    return x

def reference(x, key, training):
    if not training:
        return x
    return jnp.where(jax.random.bernoulli(key, 0.9, x.shape), x / 0.9, 0.0)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32), jax.random.key(seed), True)
