# Pitfall: takes a key argument but builds its own fixed key inside (copied from a tutorial):
# the output never changes with the key it is given (same "random" noise every call).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    k = jax.random.key(0)
    return x + 0.1 * jax.random.normal(k, x.shape)

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32))
