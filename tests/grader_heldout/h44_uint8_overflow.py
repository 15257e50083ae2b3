# Pitfall (correctness): squared pixel difference computed in uint8 (wraps around mod 256, and a-b underflows).
# Fix: cast to float32/int32 first.
import jax, jax.numpy as jnp, numpy as np

def f(a, b):
    d = a - b
    return jnp.sum(d * d).astype(jnp.float32)

def reference(a, b):
    d = a.astype(jnp.float32) - b.astype(jnp.float32)
    return jnp.sum(d * d)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.integers(0, 256, size=(8, 8)), jnp.uint8), jnp.asarray(rng.integers(0, 256, size=(8, 8)), jnp.uint8))
