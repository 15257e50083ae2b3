# Correct (retrace pass): the config is a @dataclass(frozen=True) passed static (run with --static-argnums 1).
# Frozen dataclasses hash and compare by value, so the new-but-equal instance built each call hits the jit
# cache (jax.jit docs: hash and equality define the cache key; verified: cache size 1). Contrast d19.
from dataclasses import dataclass

import jax, jax.numpy as jnp, numpy as np


@dataclass(frozen=True)
class Config:
    eps: float
    center: bool


def f(x, cfg):
    if cfg.center:
        x = x - x.mean(0)
    return x / jnp.sqrt(jnp.mean(x**2, 0) + cfg.eps)


def reference(x, cfg):
    x = x - x.mean(0)
    return x / jnp.sqrt(jnp.mean(x**2, 0) + cfg.eps)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16, 5)), jnp.float32), Config(1e-5, True))
