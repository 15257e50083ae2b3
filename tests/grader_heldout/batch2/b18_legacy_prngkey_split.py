# Correct: legacy uint32 keys (jax.random.PRNGKey) used properly: split once, each subkey used once.
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    k_w, k_b = jax.random.split(key)
    w = jax.random.normal(k_w, (x.shape[-1], 4)) * 0.1
    b = jax.random.normal(k_b, (4,)) * 0.1
    return x @ w + b

def reference(key, x):
    keys = jax.random.split(key, 2)
    return x @ (0.1 * jax.random.normal(keys[0], (x.shape[-1], 4))) + 0.1 * jax.random.normal(keys[1], (4,))

def example_args(seed=0):
    return (jax.random.PRNGKey(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(5, 3)), jnp.float32))
