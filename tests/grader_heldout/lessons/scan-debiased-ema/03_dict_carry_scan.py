import jax.numpy as jnp
from jax import lax


def f(xs, beta=0.9):
    def ema_step(state, x):
        new_state = {
            "avg": beta * state["avg"] + (1 - beta) * x,
            "pow": state["pow"] * beta,
        }
        return new_state, new_state["avg"] / (1 - new_state["pow"])

    state0 = {"avg": jnp.zeros(xs.shape[1:], xs.dtype), "pow": jnp.array(1.0, jnp.float32)}
    _, ys = lax.scan(ema_step, state0, xs)
    return ys
