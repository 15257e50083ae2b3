# Pitfall (correctness): L2-normalising embeddings with jnp.linalg.norm(x) (Frobenius norm of the whole
# matrix) instead of per row (axis=-1, keepdims=True): rows do not get unit norm.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return x / jnp.linalg.norm(x)

def reference(x):
    return x / jnp.linalg.norm(x, axis=-1, keepdims=True)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(6, 8)), jnp.float32),)
