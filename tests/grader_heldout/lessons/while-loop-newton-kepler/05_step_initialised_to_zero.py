import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)
    init = (E0, jnp.zeros_like(E0), jnp.array(0, jnp.int32))

    def cond_fun(state):
        _, step, i = state
        return (jnp.max(jnp.abs(step)) > TOL) & (i < MAX_ITERS)

    def body_fun(state):
        E, _, i = state
        step = (E - ecc * jnp.sin(E) - mean_anomaly) / (1.0 - ecc * jnp.cos(E))
        return E - step, step, i + 1

    E, _, _ = jax.lax.while_loop(cond_fun, body_fun, init)
    return E
