import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree


@jax.jit
def f(params, grads, velocity):
    lr, beta, max_norm = 0.1, 0.9, 1.0
    flat_grads, _ = ravel_pytree(grads)
    norm = jnp.linalg.norm(flat_grads)
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    velocity = jax.tree.map(lambda v, g: beta * v + scale * g, velocity, grads)
    params = jax.tree.map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity
