# Pitfall (correctness, broadcast axis): centring each ROW of a square (12, 12) matrix, but the mean is taken
# over axis 0 (column means) and broadcast back: same shape, wrong values. Expected diagnostic: wrong axis /
# broadcast (JAX/NumPy broadcasting rules make the mistake silent on square inputs).
import jax, jax.numpy as jnp, numpy as np


def f(x):
    return x - x.mean(axis=0)


def reference(x):
    return x - x.mean(axis=1, keepdims=True)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(12, 12)) + rng.normal(size=(12, 1)) * 3, jnp.float32),)
