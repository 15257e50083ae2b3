# Correct: one key per example derived with fold_in(key, i) for i in arange(B) under vmap (fold_in does not
# consume the key; each derived key is distinct and used once).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    def drop(i, xi):
        keep = jax.random.bernoulli(jax.random.fold_in(key, i), 0.8, xi.shape)
        return jnp.where(keep, xi / 0.8, 0.0)
    return jax.vmap(drop)(jnp.arange(x.shape[0]), x)

def reference(key, x):
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(x.shape[0]))
    keep = jax.vmap(lambda k: jax.random.bernoulli(k, 0.8, x.shape[1:]))(keys)
    return jnp.where(keep, x / 0.8, 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 10)), jnp.float32))
