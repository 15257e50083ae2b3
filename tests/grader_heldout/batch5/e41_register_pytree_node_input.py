"""A parameter class registered with jax.tree_util.register_pytree_node, passed in and updated with tree_map."""
import numpy as np
import jax
import jax.numpy as jnp


class Affine:
    def __init__(self, scale, shift):
        self.scale = scale
        self.shift = shift


jax.tree_util.register_pytree_node(
    Affine,
    lambda a: ((a.scale, a.shift), None),
    lambda _, children: Affine(*children),
)


def f(params, x, decay):
    shrunk = jax.tree_util.tree_map(lambda p: p * decay, params)
    return x * shrunk.scale + shrunk.shift


def reference(params, x, decay):
    return np.asarray(x) * (np.asarray(params.scale) * decay) + np.asarray(params.shift) * decay


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    params = Affine(rng.normal(size=6).astype(np.float32), rng.normal(size=6).astype(np.float32))
    return params, rng.normal(size=(12, 6)).astype(np.float32), 0.99
