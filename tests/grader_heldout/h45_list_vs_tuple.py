# Pitfall (correctness, pytree structure): returns a list [mean, var] where the contract is a tuple (mean, var).
# list and tuple are different pytree node types (pytree docs), so the output structure differs.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    m = x.mean(axis=0)
    return [m, ((x - m) ** 2).mean(axis=0)]

def reference(x):
    return (x.mean(axis=0), x.var(axis=0))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(20, 3)), jnp.float32),)
