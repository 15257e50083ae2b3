# Correct: constants defined inside the function, a nested closure, a module-level helper function and math.pi.
import math
import jax, jax.numpy as jnp, numpy as np

def _poly(coeffs, x):
    return sum(c * x ** i for i, c in enumerate(coeffs))

def f(x):
    coeffs = (1.0, -0.5, 0.25)          # constant defined in the function
    table = jnp.array([1.0, 2.0, 3.0])  # constant array built in the function
    def inner(v):                        # closure over in-function constants
        return _poly(coeffs, v) * table.sum()
    return inner(x) * math.pi

def reference(x):
    return (1.0 - 0.5 * x + 0.25 * x ** 2) * 6.0 * jnp.pi

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
