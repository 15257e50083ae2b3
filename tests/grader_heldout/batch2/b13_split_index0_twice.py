# Pitfall: `jax.random.split(key)[0]` written twice, believing each split gives a fresh key: split is
# deterministic, so both calls return the SAME subkey, and the parent key is split (consumed) twice.
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    w = jax.random.normal(jax.random.split(key)[0], (x.shape[-1], 4)) * 0.1
    b = jax.random.normal(jax.random.split(key)[0], (4,)) * 0.1
    return x @ w + b

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(5, 3)), jnp.float32))
