import jax.numpy as jnp


def f(x):
    return jnp.sqrt(jnp.sum(x**2, axis=-1))
