# Correct: a Python float argument (traced, weakly typed) that changes every call - no retrace.
import jax, jax.numpy as jnp, numpy as np

def f(x, alpha):
    return jnp.where(x > 0, x, alpha * x)

def reference(x, alpha):
    return jax.nn.leaky_relu(x, alpha)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), 0.01 * (seed + 1))
