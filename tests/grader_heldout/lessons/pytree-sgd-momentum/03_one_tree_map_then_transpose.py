import jax
import jax.numpy as jnp


def _leaf_update(p, g, v, scale, lr=0.1, beta=0.9):
    v_new = beta * v + scale * g
    return (p - lr * v_new, v_new)


def f(params, grads, velocity):
    sq = jax.tree.map(lambda g: jnp.sum(g * g), grads)
    norm = jnp.sqrt(jax.tree.reduce(jnp.add, sq))
    scale = jnp.minimum(1.0, 1.0 / (norm + 1e-6))
    pairs = jax.tree.map(lambda p, g, v: _leaf_update(p, g, v, scale), params, grads, velocity)
    outer = jax.tree.structure(params)
    inner = jax.tree.structure((0, 0))
    new_params, new_velocity = jax.tree.transpose(outer, inner, pairs)
    return new_params, new_velocity
