# Correct (retrace pass): variable-length sequences (10..34 real entries) are padded to a fixed bucket of 64
# with a validity mask before the call, so every call has the same shapes and dtypes and jit compiles once
# (JAX FAQ on dynamic shapes: pad to fixed sizes). Masked mean and variance.
import jax, jax.numpy as jnp, numpy as np

BUCKET = 64


def f(x, mask):
    n = mask.sum()
    mu = jnp.sum(jnp.where(mask, x, 0.0)) / n
    var = jnp.sum(jnp.where(mask, (x - mu) ** 2, 0.0)) / n
    return jnp.stack([mu, var])


def reference(x, mask):
    v = np.asarray(x, np.float64)[np.asarray(mask)]
    return np.array([v.mean(), v.var()])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    n = 10 + 12 * (seed % 3)
    x = np.zeros(BUCKET, np.float32)
    x[:n] = rng.normal(size=n)
    mask = np.arange(BUCKET) < n
    return jnp.asarray(x), jnp.asarray(mask)
