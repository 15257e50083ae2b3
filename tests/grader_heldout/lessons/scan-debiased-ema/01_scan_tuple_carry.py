import jax
import jax.numpy as jnp

BETA = 0.9


def _step(carry, x_t):
    m, beta_pow = carry
    m = BETA * m + (1.0 - BETA) * x_t
    beta_pow = beta_pow * BETA
    return (m, beta_pow), m / (1.0 - beta_pow)


@jax.jit
def f(xs):
    init = (jnp.zeros_like(xs[0]), jnp.ones((), dtype=xs.dtype))
    _, debiased = jax.lax.scan(_step, init, xs)
    return debiased
