# Pitfall: Langevin-style noise added in a Python loop with the SAME key every iteration
# (identical noise each step; should split or fold_in per step).
import jax, jax.numpy as jnp, numpy as np

def f(x, key):
    for _ in range(3):
        x = 0.9 * x + 0.1 * jax.random.normal(key, x.shape)
    return x

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), jax.random.key(seed))
