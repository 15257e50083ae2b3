# Pitfall: memoising an expensive jnp result in a global dict keyed by size (writes module state; under jit the
# cached value is a tracer that leaks into later traces -> UnexpectedTracerError).
import jax, jax.numpy as jnp, numpy as np

_cache = {}

def _laplacian(n):
    if n not in _cache:
        _cache[n] = 2.0 * jnp.eye(n) - jnp.eye(n, k=1) - jnp.eye(n, k=-1)
    return _cache[n]

def f(u):
    return _laplacian(u.shape[0]) @ u

def reference(u):
    n = u.shape[0]
    return (2.0 * jnp.eye(n) - jnp.eye(n, k=1) - jnp.eye(n, k=-1)) @ u

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32),)
