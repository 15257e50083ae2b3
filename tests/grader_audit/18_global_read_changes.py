# Pitfall: reads a module global that the program changes between calls (FAQ impure_func; Sharp Bits "pure functions").
import jax, jax.numpy as jnp, numpy as np

temperature = 1.0

def f(logits):
    return jax.nn.softmax(logits / temperature)

def example_args(seed=0):
    global temperature
    temperature = 1.0 + seed          # training schedule updates the global
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32),)
