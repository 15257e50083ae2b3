# Pitfall: mean tokens per sequence with floor division on int arrays (`//`): truncates and returns int32
# where the reference returns the float32 ratio.
import jax, jax.numpy as jnp, numpy as np

def f(totals, counts):
    return totals // counts

def reference(totals, counts):
    return totals / counts

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.integers(10, 100, size=(6,)), jnp.int32), jnp.asarray(rng.integers(3, 9, size=(6,)), jnp.int32))
