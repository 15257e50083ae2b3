# Correct (dtype): GELU (tanh form) in jnp, float32 out. The reference is NumPy and returns float64. With x64
# off JAX cannot even represent float64 (docs "Default dtypes and the X64 flag": 32 bits everywhere), so the
# reference canonicalised the JAX way is float32 and the values agree (issue 10 item 5): correctness passes.
import jax, jax.numpy as jnp, numpy as np


def f(x):
    return jax.nn.gelu(x, approximate=True)


def reference(x):
    x = np.asarray(x, np.float64)
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8, 12)) * 2, jnp.float32),)
