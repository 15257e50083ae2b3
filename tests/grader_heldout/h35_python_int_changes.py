# Correct: a Python int argument (traced, weakly typed int32) whose value changes every call: jit keys its
# cache on shape/dtype/weak_type, not on the value, so there is no recompilation (jit docs: traced args).
import jax, jax.numpy as jnp, numpy as np

def f(x, step):
    warm = jnp.minimum(1.0, (step + 1) / 10.0)
    return warm * x

def reference(x, step):
    return jnp.minimum(1.0, (step + 1) / 10.0) * x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), seed)
