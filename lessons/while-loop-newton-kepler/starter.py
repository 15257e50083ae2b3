import jax.numpy as jnp

TOL = 1e-6
MAX_ITERS = 50


def f(mean_anomaly, ecc):
    """Solve Kepler's equation E - e sin(E) = M for E, elementwise, with Newton's method."""
    E = jnp.where(ecc > 0.8, jnp.pi, mean_anomaly)     # a robust starting point
    step = jnp.full_like(E, jnp.inf)
    i = 0
    while jnp.max(jnp.abs(step)) > TOL and i < MAX_ITERS:
        residual = E - ecc * jnp.sin(E) - mean_anomaly
        step = residual / (1.0 - ecc * jnp.cos(E))
        E = E - step
        i += 1
    return E
