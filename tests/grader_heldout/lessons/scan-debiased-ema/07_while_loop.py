import jax
import jax.numpy as jnp


def f(xs):
    beta = 0.9

    def cond(state):
        return state[0] < xs.shape[0]

    def body(state):
        t, m, p, out = state
        m = beta * m + (1.0 - beta) * xs[t]
        p = p * beta
        return t + 1, m, p, out.at[t].set(m / (1.0 - p))

    init = (0, jnp.zeros_like(xs[0]), jnp.float32(1.0), jnp.zeros_like(xs))
    return jax.lax.while_loop(cond, body, init)[3]
