# Correct: a helper jitted ONCE at module level and called from f (the fix for b34): the cache is reused.
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def _gelu_layer(x, w):
    return jax.nn.gelu(x @ w)

def f(x, w):
    return _gelu_layer(x, w).sum(axis=-1)

def reference(x, w):
    return jax.nn.gelu(jnp.dot(x, w)).sum(axis=-1)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(4, 5)), jnp.float32), jnp.asarray(rng.normal(size=(5, 3)), jnp.float32))
