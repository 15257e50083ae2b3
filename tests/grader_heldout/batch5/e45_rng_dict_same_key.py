"""Named RNG streams in a dict, but every name gets the same key: dropout mask and noise share it."""
import numpy as np
import jax
import jax.numpy as jnp


def f(h, key):
    rngs = {name: key for name in ("dropout", "noise")}
    keep = jax.random.bernoulli(rngs["dropout"], 0.8, h.shape)
    h = jnp.where(keep, h / 0.8, 0.0)
    return h + 0.01 * jax.random.normal(rngs["noise"], h.shape)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(8, 16)).astype(np.float32), jax.random.key(seed)
