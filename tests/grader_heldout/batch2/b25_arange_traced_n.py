# Pitfall: jnp.arange(n) with a non-static int argument: under jit n is a tracer and the array size must be
# concrete (ConcretizationTypeError). Run WITHOUT --static-argnums. Fix: static_argnums=1 (see b27).
import jax, jax.numpy as jnp, numpy as np

def f(x, n):
    idx = jnp.arange(n)
    return x[idx].sum()

def reference(x, n):
    return x[:n].sum()

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32), 5)
