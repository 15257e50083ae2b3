import jax
import jax.numpy as jnp


def f(xs):
    beta = 0.9

    def step(carry, x):
        m, beta_pow = carry
        m = beta * m + (1.0 - beta) * x
        beta_pow = beta_pow * beta
        return (m, beta_pow), m / (1.0 - beta_pow)

    init = (jnp.zeros_like(xs[0]), jnp.ones((), xs.dtype))
    _, out = jax.lax.scan(step, init, xs)
    return out
