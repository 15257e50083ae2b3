# Pitfall (prng): the PRNG key is carried in a flax.struct train state, and both dropout layers draw
# from state.key (same key -> same bits: correlated masks; KeyReuseError under jax_debug_key_reuse). No reference.
import jax, jax.numpy as jnp, numpy as np
from flax import struct

@struct.dataclass
class State:
    w1: jax.Array
    w2: jax.Array
    key: jax.Array

def _dropout(key, h, rate=0.5):
    keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
    return jnp.where(keep, h / (1.0 - rate), 0.0)

def f(state, x):
    h = _dropout(state.key, jax.nn.relu(x @ state.w1))
    h = _dropout(state.key, jax.nn.relu(h @ state.w2))
    return h

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    st = State(jnp.asarray(rng.normal(size=(4, 8)), jnp.float32), jnp.asarray(rng.normal(size=(8, 8)), jnp.float32),
               jax.random.key(seed))
    return (st, jnp.asarray(rng.normal(size=(5, 4)), jnp.float32))
