# Pitfall hidden by @jax.jit: print runs only at trace time (and shows a tracer).
import jax, jax.numpy as jnp, numpy as np
@jax.jit
def f(x):
    print("x is", x)
    return x * 2.0
def reference(x): return x * 2.0
def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
