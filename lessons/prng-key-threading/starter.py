import jax
import jax.numpy as jnp


def f(x, key):
    """Training-time corruption: inverted dropout (keep 80%) then Gaussian noise (std 0.1)."""
    keep_prob, noise_std = 0.8, 0.1
    mask = jax.random.bernoulli(key, keep_prob, x.shape)
    h = jnp.where(mask, x / keep_prob, 0.0)
    return h + noise_std * jax.random.normal(key, x.shape, x.dtype)
