import jax
import jax.numpy as jnp


def f(x, key):
    rng = jax.random.key(0)                               # fixed seed "for reproducibility"
    k_drop, k_noise = jax.random.split(rng)
    mask = jax.random.bernoulli(k_drop, 0.8, x.shape)
    h = jnp.where(mask, x / 0.8, 0.0)
    return h + 0.1 * jax.random.normal(k_noise, x.shape, x.dtype)
