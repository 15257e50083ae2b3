import jax
import jax.numpy as jnp


def f(xs):
    """Same EMA with fori_loop writing into a preallocated buffer."""
    beta = 0.9
    n_steps = xs.shape[0]

    def body(t, state):
        m, p, out = state
        m = beta * m + (1.0 - beta) * xs[t]
        p = p * beta
        out = out.at[t].set(m / (1.0 - p))
        return m, p, out

    init = (jnp.zeros_like(xs[0]), jnp.float32(1.0), jnp.zeros_like(xs))
    _, _, out = jax.lax.fori_loop(0, n_steps, body, init)
    return out
