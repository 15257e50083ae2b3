import jax
import jax.numpy as jnp


def f(xs):
    beta = 0.9

    def body(m, x):
        m = beta * m + (1.0 - beta) * x
        return m, m

    _, ms = jax.lax.scan(body, jnp.zeros_like(xs[0]), xs)
    return ms
