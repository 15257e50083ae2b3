import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)

    def body(i, E):
        step = (E - ecc * jnp.sin(E) - mean_anomaly) / (1.0 - ecc * jnp.cos(E))
        # once converged the step is ~0, so running all iterations is harmless
        return jnp.where(jnp.abs(step) > TOL, E - step, E)

    return jax.lax.fori_loop(0, MAX_ITERS, body, E0)
