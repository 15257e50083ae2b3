from functools import partial

import jax
import jax.numpy as jnp


class PyramidConfig:
    def __init__(self, pool_sizes, activation):
        self.pool_sizes = tuple(pool_sizes)
        self.activation = activation

    def __hash__(self):                       # hashed by value now... but == is still identity
        return hash((self.pool_sizes, self.activation))


@partial(jax.jit, static_argnames=("cfg",))
def _pyramid(x, w, cfg):
    h = x @ w
    h = jax.nn.gelu(h) if cfg.activation == "gelu" else jax.nn.relu(h)
    n, d = h.shape
    levels = [h.reshape(n, p, d // p).mean(axis=-1) for p in cfg.pool_sizes]
    return jnp.concatenate(levels, axis=-1)


def f(x, w, pool_sizes, activation):
    return _pyramid(x, w, cfg=PyramidConfig(pool_sizes, activation))
