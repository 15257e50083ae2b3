# Pitfall: number of Newton iterations passed as a STATIC argument that changes on every call
# (run with --static-argnums 1): each new static value is a new cache entry, so every call recompiles
# (jit docs "static arguments": a changed static value triggers recompilation). No reference.
import jax, jax.numpy as jnp, numpy as np

def f(x, n_iter):
    y = jnp.ones_like(x)
    for _ in range(n_iter):
        y = 0.5 * (y + x / y)
    return y

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 4.0, size=(8,)), jnp.float32), seed + 3)
