import jax
import jax.numpy as jnp

DROP_RATE = 0.2


def f(x, key):
    k_drop, k_noise = jax.random.split(key)
    mask = jax.random.bernoulli(k_drop, DROP_RATE, x.shape)   # True with prob 0.2: keeps 20%
    h = jnp.where(mask, x / (1.0 - DROP_RATE), 0.0)
    return h + 0.1 * jax.random.normal(k_noise, x.shape, x.dtype)
