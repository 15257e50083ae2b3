# Pitfall: loop count passed as an ordinary (traced) argument: range(n) needs a concrete int
# (TracerIntegerConversionError under jit). Fix: static_argnums for n, or lax.fori_loop.
import jax, jax.numpy as jnp, numpy as np

def f(x, n):
    for _ in range(n):
        x = jnp.sin(x) + x
    return x

def reference(x, n):
    for _ in range(n):
        x = jnp.sin(x) + x
    return x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), 3)
