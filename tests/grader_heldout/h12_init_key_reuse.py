# Pitfall: the same key for the weights and the bias of a layer (jax.random docs: "reusing the same key
# will lead to the same result"; jax_debug_key_reuse raises KeyReuseError).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    w = jax.random.normal(key, (x.shape[-1], 4)) * 0.1
    b = jax.random.normal(key, (4,)) * 0.1
    return x @ w + b

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(5, 3)), jnp.float32))
