import jax
import jax.numpy as jnp


def f(xs):
    beta = 0.9

    def body(carry, x):
        m, p = carry
        m = beta * m + (1.0 - beta) * x
        out = m / (1.0 - p)          # uses beta**(t-1): off by one step
        p = p * beta
        return (m, p), out

    init = (jnp.zeros_like(xs[0]), jnp.ones((), jnp.float32))
    _, out = jax.lax.scan(body, init, xs)
    return out
