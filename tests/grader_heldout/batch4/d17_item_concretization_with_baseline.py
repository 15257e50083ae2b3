# Pitfall (jit): max-abs scaling with float(jnp.max(...)): fine eagerly, ConcretizationTypeError under jax.jit
# (JAX errors: float() of a tracer). Right values eagerly, but the function cannot be jitted, so the
# speedup check must not be awarded (issue 10: skip when jit did not pass). Run with --min-speedup 3.
import jax, jax.numpy as jnp, numpy as np


def f(x):
    scale = float(jnp.max(jnp.abs(x)))
    return x / scale


def reference(x):
    return x / jnp.max(jnp.abs(x))


def baseline(x):
    x = np.asarray(x)
    m = 0.0
    for v in x:
        m = max(m, abs(float(v)))
    return np.array([v / m for v in x], np.float32)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(5000,)), jnp.float32),)
