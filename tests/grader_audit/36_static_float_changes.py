# Pitfall: a learning-rate float marked static that changes every call -> recompiles each call.
# run with --static-argnums 1
import jax, jax.numpy as jnp, numpy as np

def f(w, lr):
    g = 2.0 * w
    return w - lr * g

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), 0.1 / (seed + 1))
