# Pitfall: counting calls with a function attribute (`f.calls += 1`): writes state on a module-level object
# on every call (a side effect); under jit it increments only while tracing.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    f.calls = getattr(f, "calls", 0) + 1
    return 2.0 * jnp.tanh(x)

def reference(x):
    return 2.0 * jnp.tanh(x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
