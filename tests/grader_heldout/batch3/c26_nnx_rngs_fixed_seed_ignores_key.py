# Pitfall (prng): the key argument is ignored: nnx.Rngs(0) copy-pasted from model init, so every call
# draws the same dropout mask whatever key is passed (README prng: outputs must change with the key). No reference.
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

def f(key, x):
    rngs = nnx.Rngs(dropout=0)
    keep = jax.random.bernoulli(rngs.dropout(), 0.8, x.shape)
    return jnp.where(keep, x / 0.8, 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 6)), jnp.float32))
