"""Three noise draws in a loop, each drawn from `key` which is then split again: parent key reused."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x, key):
    out = x
    for _ in range(3):
        out = out + 0.1 * jax.random.normal(key, x.shape)
        key, subkey = jax.random.split(key)
    return out


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=10).astype(np.float32), jax.random.key(seed)
