# Correct (prng): new-style typed key (jax.random.key) split into three for init noise, dropout and a
# permutation; each subkey is used once (jax.random docs, JEP 9263). No reference.
import jax, jax.numpy as jnp, numpy as np


def f(x, key):
    k_noise, k_drop, k_perm = jax.random.split(key, 3)
    x = x + 0.01 * jax.random.normal(k_noise, x.shape)
    x = jnp.where(jax.random.bernoulli(k_drop, 0.9, x.shape), x / 0.9, 0.0)
    return jax.random.permutation(k_perm, x, axis=0)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8, 4)), jnp.float32), jax.random.key(seed))
