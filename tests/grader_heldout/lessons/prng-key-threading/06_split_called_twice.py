import jax
import jax.numpy as jnp


def f(x, key):
    k_drop = jax.random.split(key)[0]
    k_noise = jax.random.split(key)[1]                    # splits the same key a second time
    mask = jax.random.bernoulli(k_drop, 0.8, x.shape)
    h = jnp.where(mask, x / 0.8, 0.0)
    return h + 0.1 * jax.random.normal(k_noise, x.shape, x.dtype)
