import jax.numpy as jnp


def f(x):
    sq = jnp.sum(x**2, axis=-1)
    safe = jnp.where(sq > 0, sq, 1.0)  # the double-where trick: no NaN in the unused branch
    return jnp.where(sq > 0, jnp.sqrt(safe), 0.0)
