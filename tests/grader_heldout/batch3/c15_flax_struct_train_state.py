# Correct: a flax.struct.dataclass train state (step, params, velocity); SGD-with-momentum via jax.tree.map
# and a new state returned with .replace (the dataclass is frozen: nothing is mutated).
import jax, jax.numpy as jnp, numpy as np
from flax import struct

@struct.dataclass
class TrainState:
    step: jax.Array
    params: dict
    velocity: dict

def f(state, grads):
    vel = jax.tree.map(lambda v, g: 0.9 * v + g, state.velocity, grads)
    params = jax.tree.map(lambda p, v: p - 0.05 * v, state.params, vel)
    return state.replace(step=state.step + 1, params=params, velocity=vel)

def reference(state, grads):
    vel = {k: 0.9 * state.velocity[k] + grads[k] for k in grads}
    return TrainState(step=state.step + 1, params={k: state.params[k] - 0.05 * vel[k] for k in vel}, velocity=vel)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: jnp.asarray(rng.normal(size=s), jnp.float32)
    state = TrainState(step=jnp.asarray(seed, jnp.int32), params={"w": r(3, 2), "b": r(2)}, velocity={"w": r(3, 2), "b": r(2)})
    return (state, {"w": r(3, 2), "b": r(2)})
