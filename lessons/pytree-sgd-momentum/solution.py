import jax
import jax.numpy as jnp


def f(params, grads, velocity):
    lr, beta, max_norm = 0.1, 0.9, 1.0
    leaves = jax.tree.leaves(grads)
    norm = jnp.sqrt(sum(jnp.sum(g * g) for g in leaves))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    new_velocity = jax.tree.map(lambda v, g: beta * v + scale * g, velocity, grads)
    new_params = jax.tree.map(lambda p, v: p - lr * v, params, new_velocity)
    return new_params, new_velocity
