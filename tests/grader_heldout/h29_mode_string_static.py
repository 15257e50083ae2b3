# Correct: the same string "mode" argument, declared static (run WITH --static-argnums 1; jit docs
# "static_argnums": strings are hashable static values); the mode is the same on every call.
import jax, jax.numpy as jnp, numpy as np

def f(x, activation):
    if activation == "relu":
        return jax.nn.relu(x)
    return jnp.tanh(x)

def reference(x, activation):
    return jax.nn.relu(x) if activation == "relu" else jnp.tanh(x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), "relu")
