import jax
import jax.numpy as jnp


def f(x, key):
    k_drop, k_noise = jax.random.split(key)
    mask = jax.random.bernoulli(key, 0.8, x.shape)        # parent key used after splitting
    h = jnp.where(mask, x / 0.8, 0.0)
    return h + 0.1 * jax.random.normal(k_noise, x.shape, x.dtype)
