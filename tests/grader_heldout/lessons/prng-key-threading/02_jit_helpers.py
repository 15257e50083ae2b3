import jax
import jax.numpy as jnp


def inverted_dropout(key, x, keep=0.8):
    keep_mask = jax.random.bernoulli(key, keep, x.shape)
    return jnp.where(keep_mask, x / keep, jnp.zeros_like(x))


def gaussian_noise(key, like, std=0.1):
    return std * jax.random.normal(key, like.shape, like.dtype)


@jax.jit
def f(x, key):
    k_drop, k_noise = jax.random.split(key)
    h = inverted_dropout(k_drop, x)
    return h + gaussian_noise(k_noise, h)
