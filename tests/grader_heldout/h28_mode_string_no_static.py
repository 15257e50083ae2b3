# Pitfall: a string "mode" argument without static_argnums: jax.jit rejects a str argument
# ("not a valid JAX type"). Fix: static_argnums / static_argnames for mode. (run WITHOUT --static-argnums)
import jax, jax.numpy as jnp, numpy as np

def f(x, activation):
    if activation == "relu":
        return jax.nn.relu(x)
    return jnp.tanh(x)

def reference(x, activation):
    return jax.nn.relu(x) if activation == "relu" else jnp.tanh(x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), "relu")
