# Probe: f is pure; example_args builds inputs with the legacy NumPy global RNG (np.random.seed + randn).
import jax, jax.numpy as jnp, numpy as np
def f(x):
    return jnp.sort(x)
def reference(x): return jnp.sort(x)
def example_args(seed=0):
    np.random.seed(seed)
    return (jnp.asarray(np.random.randn(8), jnp.float32),)
