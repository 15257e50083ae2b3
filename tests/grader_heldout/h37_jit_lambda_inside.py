# Pitfall: jax.jit applied to a fresh lambda inside the function: every call creates a new function object,
# so the jit cache misses and it compiles on EVERY call (jit docs "Caching": don't jit temporary functions).
import jax, jax.numpy as jnp, numpy as np

def f(x, w):
    layer = jax.jit(lambda a, b: jnp.tanh(a @ b))
    return layer(x, w)

def reference(x, w):
    return jnp.tanh(x @ w)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(4, 8)), jnp.float32), jnp.asarray(rng.normal(size=(8, 3)), jnp.float32))
