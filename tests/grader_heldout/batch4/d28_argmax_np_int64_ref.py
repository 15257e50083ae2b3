# Correct (dtype): per-row argmax with jnp (int32 under x64-off). The reference uses np.argmax, which returns
# int64; canonicalised under x64-off that is int32 (jax.dtypes.canonicalize_dtype; jnp.asarray of an int64
# NumPy array is int32, verified): correctness passes.
import jax, jax.numpy as jnp, numpy as np


def f(scores):
    return jnp.argmax(scores, axis=-1)


def reference(scores):
    return np.argmax(np.asarray(scores), axis=-1)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(20, 7)), jnp.float32),)
