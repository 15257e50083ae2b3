# Correct: typed key (jax.random.key) split into three subkeys, each used by exactly one sampler.
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    k_noise, k_mask, k_scale = jax.random.split(key, 3)
    noise = 0.1 * jax.random.normal(k_noise, x.shape)
    keep = jax.random.bernoulli(k_mask, 0.9, x.shape)
    scale = jax.random.uniform(k_scale, (), minval=0.9, maxval=1.1)
    return scale * jnp.where(keep, (x + noise) / 0.9, 0.0)

def reference(key, x):
    ks = jax.random.split(key, 3)
    noise = 0.1 * jax.random.normal(ks[0], x.shape)
    keep = jax.random.bernoulli(ks[1], 0.9, x.shape)
    scale = jax.random.uniform(ks[2], (), minval=0.9, maxval=1.1)
    return scale * jnp.where(keep, (x + noise) / 0.9, 0.0)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32))
