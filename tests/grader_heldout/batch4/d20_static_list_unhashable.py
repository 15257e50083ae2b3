# Pitfall (jit): polynomial coefficients passed as a static Python list (run with --static-argnums 1).
# A list is unhashable: jax.jit raises "ValueError: Non-hashable static arguments are not supported"
# (jax.jit docs; verified). Eager calls work and are right. Fix: a tuple, or pass the coefficients as an array.
import jax, jax.numpy as jnp, numpy as np


def f(x, coeffs):
    y = jnp.zeros_like(x)
    for c in coeffs:
        y = y * x + c
    return y


def reference(x, coeffs):
    return jnp.polyval(jnp.asarray(coeffs, x.dtype), x)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(-1, 1, size=(20,)), jnp.float32), [0.5, -1.0, 2.0, 0.25])
