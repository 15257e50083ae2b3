# Correct: a shape-only constant (DFT matrix) built with NumPy and memoised with functools.lru_cache on the
# static size. Deterministic, reads nothing mutable, writes no learner global; jit embeds it as a constant.
import functools
import jax, jax.numpy as jnp, numpy as np

@functools.lru_cache(maxsize=None)
def _dft_real(n):
    k = np.arange(n)
    return np.cos(2 * np.pi * np.outer(k, k) / n).astype(np.float32)

def f(x):
    return jnp.asarray(_dft_real(x.shape[-1])) @ x

def reference(x):
    n = x.shape[-1]
    k = np.arange(n)
    return jnp.asarray(np.cos(2 * np.pi * np.outer(k, k) / n).astype(np.float32)) @ x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32),)
