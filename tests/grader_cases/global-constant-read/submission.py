"""Module-level constants that nothing rebinds (a module-level loop and a local of the same name in
another function are not rebindings): reading them is fine."""

import jax.numpy as jnp

SCALE = 2.0
TABLE = {"a": 1.0}
for _k in ("b", "c"):
    TABLE[_k] = 0.5  # module code at load time, before the function is ever called


def other(v):
    SCALE = v  # a local variable, not the global
    return SCALE


def f(x):
    return x * SCALE + TABLE["a"]


def reference(x):
    return 2.0 * x + 1.0


def example_args(seed=0):
    return (jnp.arange(4.0) + seed,)
