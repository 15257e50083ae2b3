# Pitfall: plain print() inside the function to "see" intermediate values (Sharp Bits / FAQ: print is a
# side effect; under jit it runs only at trace time and shows a tracer). Fix: jax.debug.print.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    y = jax.nn.relu(x) ** 2
    print("sum of squares:", y.sum())
    return y / (y.sum() + 1.0)

def reference(x):
    y = jax.nn.relu(x) ** 2
    return y / (y.sum() + 1.0)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(12,)), jnp.float32),)
