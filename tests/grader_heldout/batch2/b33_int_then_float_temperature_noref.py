# Pitfall: the temperature schedule yields the Python int 1 on the first call and Python floats after
# (1, 0.9, 0.8): weak int32 then weak float32, a new abstract signature, so call 2 recompiles
# (type-promotion docs "weak types"; verified: jit(g)(x, 1) then (x, 0.9) compiles twice). No reference.
import jax, jax.numpy as jnp, numpy as np

def f(logits, temperature):
    return jax.nn.softmax(logits / temperature, axis=-1)

def temperature_schedule(step):
    return 1 if step == 0 else 1.0 - 0.1 * step

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(3, 5)), jnp.float32), temperature_schedule(seed))
