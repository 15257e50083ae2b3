# Correct: per-step key derived with jax.random.fold_in(base_key, step) (jax.random docs; fold_in does not
# consume the base key under jax_debug_key_reuse, by design).
import jax, jax.numpy as jnp, numpy as np

def f(key, step, x):
    k = jax.random.fold_in(key, step)
    keep = jax.random.bernoulli(k, 0.9, x.shape)
    return jnp.where(keep, x / 0.9, 0.0)

def reference(key, step, x):
    keep = jax.random.bernoulli(jax.random.fold_in(key, step), 0.9, x.shape)
    return jnp.where(keep, x / 0.9, 0.0)

def example_args(seed=0):
    return (jax.random.key(1234), seed, jnp.asarray(np.random.default_rng(seed).normal(size=(32,)), jnp.float32))
