import jax
import jax.numpy as jnp

num_updates = 0  # kept for logging


def f(params, grads, velocity):
    global num_updates
    lr, beta, max_norm = 0.1, 0.9, 1.0
    norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in jax.tree.leaves(grads)))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    new_velocity = jax.tree.map(lambda v, g: beta * v + scale * g, velocity, grads)
    new_params = jax.tree.map(lambda p, v: p - lr * v, params, new_velocity)
    num_updates += 1
    return new_params, new_velocity
