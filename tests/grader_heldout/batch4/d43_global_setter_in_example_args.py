# Pitfall (purity): a temperature kept in a module global and changed by a setter that the calling code
# (example_args) runs before each call. f's output depends on hidden state; jit freezes the first value
# (Sharp Bits "pure functions"; verified: jitted f keeps T=1.0). No reference.
import jax, jax.numpy as jnp, numpy as np

TEMPERATURE = 1.0


def set_temperature(t):
    global TEMPERATURE
    TEMPERATURE = t


def f(logits):
    return jax.nn.softmax(logits / TEMPERATURE, axis=-1)


def example_args(seed=0):
    set_temperature(1.0 + 0.25 * seed)
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(4, 6)), jnp.float32),)
