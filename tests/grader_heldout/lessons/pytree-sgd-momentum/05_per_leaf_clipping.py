import jax
import jax.numpy as jnp


def f(params, grads, velocity):
    lr, beta, max_norm = 0.1, 0.9, 1.0

    def clip(g):
        # clips each leaf by its OWN norm instead of the global norm
        return g * jnp.minimum(1.0, max_norm / (jnp.sqrt(jnp.sum(g ** 2)) + 1e-6))

    clipped = jax.tree.map(clip, grads)
    new_velocity = jax.tree.map(lambda v, g: beta * v + g, velocity, clipped)
    new_params = jax.tree.map(lambda p, v: p - lr * v, params, new_velocity)
    return new_params, new_velocity
