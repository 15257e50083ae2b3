import jax
import jax.numpy as jnp

KEEP_PROB = 0.8
NOISE_STD = 0.1


def f(x, key):
    keys = jax.random.split(key, 2)
    k_drop, k_noise = keys[0], keys[1]
    mask = jax.random.bernoulli(k_drop, p=KEEP_PROB, shape=x.shape)
    h = jnp.where(mask, x / KEEP_PROB, 0.0)
    noise = jax.random.normal(k_noise, shape=x.shape, dtype=x.dtype)
    return h + NOISE_STD * noise
