# Pitfall (purity): a debugging print inside a @jax.jit-decorated entry. It runs once, at trace time, and
# prints a tracer, not the value (FAQ / Sharp Bits "pure functions"; use jax.debug.print).
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(x):
    mu = x.mean(axis=0)
    print("batch mean:", mu)
    return (x - mu) / (x.std(axis=0) + 1e-6)

def reference(x):
    return (x - x.mean(axis=0, keepdims=True)) / (x.std(axis=0, keepdims=True) + 1e-6)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16, 3)), jnp.float32),)
