# Pitfall: a hyperparameter read from the environment inside the function. It is hidden global input:
# jit freezes the value read at trace time (FAQ "pure functions": all inputs through the parameters).
import os
import jax, jax.numpy as jnp, numpy as np

def f(logits):
    temperature = float(os.environ.get("SOFTMAX_TEMPERATURE", "1.0"))
    return jax.nn.softmax(logits / temperature, axis=-1)

def reference(logits):
    return jax.nn.softmax(logits, axis=-1)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(3, 5)), jnp.float32),)
