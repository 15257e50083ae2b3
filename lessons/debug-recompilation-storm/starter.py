from functools import partial

import jax
import jax.numpy as jnp


class PyramidConfig:
    """Static configuration of the pooling pyramid."""

    def __init__(self, pool_sizes, activation):
        self.pool_sizes = list(pool_sizes)
        self.activation = activation


@partial(jax.jit, static_argnames=("cfg",))
def _pyramid(x, w, cfg):
    h = x @ w
    h = jax.nn.gelu(h) if cfg.activation == "gelu" else jax.nn.relu(h)
    n, d = h.shape
    # average-pool the features into p bins for each pyramid level, then concatenate
    levels = [h.reshape(n, p, d // p).mean(axis=-1) for p in cfg.pool_sizes]
    return jnp.concatenate(levels, axis=-1)


def f(x, w, pool_sizes, activation):
    """Pyramid-pooled features of act(x @ w): float32[16, sum(pool_sizes)]."""
    cfg = PyramidConfig(pool_sizes, activation)
    return _pyramid(x, w, cfg=cfg)
