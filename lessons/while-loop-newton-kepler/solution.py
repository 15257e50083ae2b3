import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)

    def cond(state):
        _, step, i = state
        return (jnp.max(jnp.abs(step)) > TOL) & (i < MAX_ITERS)

    def body(state):
        E, _, i = state
        residual = E - ecc * jnp.sin(E) - mean_anomaly
        step = residual / (1.0 - ecc * jnp.cos(E))
        return E - step, step, i + 1

    init = (E0, jnp.full_like(E0, jnp.inf), jnp.array(0, jnp.int32))
    E, _, _ = jax.lax.while_loop(cond, body, init)
    return E
