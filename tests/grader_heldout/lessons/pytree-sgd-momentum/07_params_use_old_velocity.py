import jax
import jax.numpy as jnp


def f(params, grads, velocity):
    lr, beta, max_norm = 0.1, 0.9, 1.0
    norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in jax.tree.leaves(grads)))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    # params step with the velocity from BEFORE this update
    new_params = jax.tree.map(lambda p, v: p - lr * v, params, velocity)
    new_velocity = jax.tree.map(lambda v, g: beta * v + scale * g, velocity, grads)
    return new_params, new_velocity
