import jax
import jax.numpy as jnp


def f(x, key):
    keep_prob, noise_std = 0.8, 0.1
    k_drop, k_noise = jax.random.split(key)
    mask = jax.random.bernoulli(k_drop, keep_prob, x.shape)
    h = jnp.where(mask, x / keep_prob, 0.0)
    return h + noise_std * jax.random.normal(k_noise, x.shape, x.dtype)
