# Correct: ordinary dropout driven by its key argument; the learner's example_args uses a fixed, reproducible
# key (jax.random.key(0)) for every call. The function does NOT ignore its key (a different key gives a
# different mask); only the example inputs happen to reuse the same key value.
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    keep = jax.random.bernoulli(key, 0.8, x.shape)
    return jnp.where(keep, x / 0.8, 0.0)

def reference(key, x):
    return jnp.where(jax.random.bernoulli(key, 0.8, x.shape), x / 0.8, 0.0)

def example_args(seed=0):
    return (jax.random.key(0), jnp.asarray(np.random.default_rng(seed).normal(size=(32,)), jnp.float32))
