# Pitfall: calling NumPy on a traced array (np.percentile -> TracerArrayConversionError under jit).
# Fix: jnp.percentile / jnp.quantile.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    hi = np.percentile(np.asarray(x), 90)
    return jnp.clip(x, -hi, hi)

def reference(x):
    hi = jnp.percentile(x, 90)
    return jnp.clip(x, -hi, hi)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(50,)), jnp.float32),)
