import jax
import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    E0 = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)
    init = {"E": E0, "step": jnp.full_like(E0, jnp.inf), "it": jnp.int32(0)}

    def keep_going(s):
        return jnp.logical_and(jnp.max(jnp.abs(s["step"])) > TOL, s["it"] < MAX_ITERS)

    def newton(s):
        E = s["E"]
        step = (E - ecc * jnp.sin(E) - mean_anomaly) / (1.0 - ecc * jnp.cos(E))
        return {"E": E - step, "step": step, "it": s["it"] + 1}

    return jax.lax.while_loop(keep_going, newton, init)["E"]
