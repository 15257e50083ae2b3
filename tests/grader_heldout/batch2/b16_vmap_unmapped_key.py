# Pitfall: per-example dropout under vmap with the key NOT mapped (closed over): every example in the batch
# gets the identical mask, i.e. one key is used for every example (the vmap analogue of reusing one key in
# a loop). Fix: keys = split(key, B) and vmap over keys (h18 counterpart).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    def drop(xi):
        keep = jax.random.bernoulli(key, 0.8, xi.shape)
        return jnp.where(keep, xi / 0.8, 0.0)
    return jax.vmap(drop)(x)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 10)), jnp.float32))
