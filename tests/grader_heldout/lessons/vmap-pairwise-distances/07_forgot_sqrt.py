import jax.numpy as jnp


def f(x, y):
    diff = x[:, None, :] - y[None, :, :]
    return jnp.sum(diff * diff, axis=-1)
