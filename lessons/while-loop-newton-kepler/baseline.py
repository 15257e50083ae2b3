"""What the speedup check compares against: the starter's Python while loop, run eagerly.

It is the only way the starter runs: every iteration dispatches each operation separately, and the
loop test `jnp.max(...) > TOL` copies a value back to Python to decide whether to go on.
"""

import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)
    step = jnp.full_like(E, jnp.inf)
    i = 0
    while jnp.max(jnp.abs(step)) > TOL and i < MAX_ITERS:
        residual = E - ecc * jnp.sin(E) - mean_anomaly
        step = residual / (1.0 - ecc * jnp.cos(E))
        E = E - step
        i += 1
    return E
