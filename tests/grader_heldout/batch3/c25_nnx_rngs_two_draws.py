# Correct: nnx.Rngs built from the key argument; each rngs.aug() call returns a fresh key (the stream's
# counter advances), so the two augmented views get different noise. No reference.
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

def f(key, x):
    rngs = nnx.Rngs(aug=key)
    v1 = x + 0.1 * jax.random.normal(rngs.aug(), x.shape)
    v2 = x + 0.1 * jax.random.normal(rngs.aug(), x.shape)
    return jnp.stack([v1, v2])

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 6)), jnp.float32))
