from functools import partial

import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def _newton_step(E, M, e):
    return (E - e * jnp.sin(E) - M) / (1.0 - e * jnp.cos(E))


@jax.jit
def f(mean_anomaly, ecc):
    # state: (E, largest |step| of the last iteration, iteration count)
    def cond(state):
        _, largest, i = state
        return (largest > TOL) & (i < MAX_ITERS)

    def body(state):
        E, _, i = state
        step = _newton_step(E, mean_anomaly, ecc)
        return E - step, jnp.max(jnp.abs(step)), i + 1

    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)
    init = (E0, jnp.array(jnp.inf, dtype=E0.dtype), jnp.array(0, dtype=jnp.int32))
    E, _, _ = jax.lax.while_loop(cond, body, init)
    return E
