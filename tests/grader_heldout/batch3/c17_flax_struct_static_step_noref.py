# Pitfall (retrace): the step counter is declared a static field (struct.field(pytree_node=False)) so that a
# Python `if` on it works; static fields are part of the treedef, so every new step value is a new jit cache
# entry and each call recompiles (jit docs: static values are hashed into the cache key). No reference.
import jax, jax.numpy as jnp, numpy as np
from flax import struct

@struct.dataclass
class State:
    params: jax.Array
    step: int = struct.field(pytree_node=False)

def f(state, g):
    lr = 0.1 if state.step < 1000 else 0.01
    return state.replace(params=state.params - lr * g, step=state.step + 1)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (State(params=jnp.asarray(rng.normal(size=(6,)), jnp.float32), step=seed),
            jnp.asarray(rng.normal(size=(6,)), jnp.float32))
