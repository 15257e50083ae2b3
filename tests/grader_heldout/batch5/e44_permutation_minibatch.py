"""Random minibatch of 16 rows: one jax.random.permutation draw from the key argument."""
import numpy as np
import jax
import jax.numpy as jnp


def f(X, y, key):
    perm = jax.random.permutation(key, X.shape[0])[:16]
    return X[perm], y[perm]


def reference(X, y, key):
    perm = jax.random.permutation(key, X.shape[0])[:16]
    return jnp.asarray(X)[perm], jnp.asarray(y)[perm]


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    y = rng.integers(0, 4, size=100).astype(np.int32)
    return X, y, jax.random.key(seed)
