"""Named RNG streams in a dict built from jax.random.split: one fresh key per name."""
import numpy as np
import jax
import jax.numpy as jnp


def _apply(h, key):
    rngs = dict(zip(("dropout", "noise"), jax.random.split(key, 2)))
    keep = jax.random.bernoulli(rngs["dropout"], 0.8, h.shape)
    h = jnp.where(keep, h / 0.8, 0.0)
    return h + 0.01 * jax.random.normal(rngs["noise"], h.shape)


def f(h, key):
    return _apply(h, key)


def reference(h, key):
    k_drop, k_noise = jax.random.split(key)
    keep = jax.random.bernoulli(k_drop, 0.8, h.shape)
    h = jnp.where(keep, jnp.asarray(h) / 0.8, 0.0)
    return h + 0.01 * jax.random.normal(k_noise, h.shape)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(8, 16)).astype(np.float32), jax.random.key(seed)
