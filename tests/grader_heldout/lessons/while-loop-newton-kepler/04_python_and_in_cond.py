import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)

    def cond_fun(state):
        E, step, i = state
        return jnp.max(jnp.abs(step)) > TOL and i < MAX_ITERS

    def body_fun(state):
        E, step, i = state
        step = (E - ecc * jnp.sin(E) - mean_anomaly) / (1.0 - ecc * jnp.cos(E))
        return E - step, step, i + 1

    E, _, _ = jax.lax.while_loop(cond_fun, body_fun, (E0, jnp.full_like(E0, jnp.inf), 0))
    return E
