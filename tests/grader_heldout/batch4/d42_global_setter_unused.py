# Pitfall (purity): f reads a module-level SCALE that module code rebinds through a setter with `global`.
# example_args never calls the setter, but any caller can, and a jitted f would keep the old value
# baked in (JAX FAQ / Sharp Bits "pure functions": globals are captured at trace time). Issue 10 item 8:
# purity fails, naming the read and the `global` line.
import jax, jax.numpy as jnp, numpy as np

SCALE = 2.0


def set_scale(value):
    global SCALE
    SCALE = value


def f(x):
    return SCALE * jnp.tanh(x)


def reference(x):
    return 2.0 * jnp.tanh(x)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32),)
