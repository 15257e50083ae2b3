import jax
import jax.numpy as jnp
from jax import tree_util

LR, BETA, MAX_NORM = 0.1, 0.9, 1.0


def global_norm(tree):
    return jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in tree_util.tree_leaves(tree)))


def f(params, grads, velocity):
    """SGD with momentum and global-norm gradient clipping, for any pytree."""
    norm = global_norm(grads)
    scale = jnp.minimum(1.0, MAX_NORM / (norm + 1e-6))
    new_velocity = tree_util.tree_map(lambda v, g: BETA * v + scale * g, velocity, grads)
    new_params = tree_util.tree_map(lambda p, v: p - LR * v, params, new_velocity)
    return new_params, new_velocity
