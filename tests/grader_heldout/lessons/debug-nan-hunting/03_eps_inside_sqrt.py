import jax.numpy as jnp


def f(z, v):
    softplus = jnp.logaddexp(z, 0.0)
    # a tiny epsilon keeps sqrt away from 0: value off by 1e-6 at most, gradient finite
    distance = jnp.sqrt(jnp.sum(v * v, axis=-1) + 1e-12)
    return softplus + distance
