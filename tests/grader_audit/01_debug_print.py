# Correct: jax.debug.print is the sanctioned way to print inside traced code (Sharp Bits / debugging docs).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    y = jnp.tanh(x) * 2.0
    jax.debug.print("mean={m}", m=y.mean())
    return y

def reference(x):
    return jnp.tanh(x) * 2.0

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32),)
