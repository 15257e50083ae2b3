# Pitfall (correctness, jit): functools.lru_cache on a helper that takes an ARRAY (to "cache the kernel
# matrix"). Arrays and tracers are unhashable, so the call raises TypeError eagerly and under jit.
import functools
import jax, jax.numpy as jnp, numpy as np

@functools.lru_cache(maxsize=8)
def _rbf_gram(x):
    d2 = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    return jnp.exp(-0.5 * d2)

def f(x, y):
    k = _rbf_gram(x)
    return jnp.linalg.solve(k + 0.1 * jnp.eye(x.shape[0]), y)

def reference(x, y):
    d2 = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    return jnp.linalg.solve(jnp.exp(-0.5 * d2) + 0.1 * jnp.eye(x.shape[0]), y)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(10, 2)), jnp.float32), jnp.asarray(rng.normal(size=(10,)), jnp.float32))
