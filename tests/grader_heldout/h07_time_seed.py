# Pitfall: seeding the JAX key from the wall clock inside the function (not a pure function of its inputs;
# jit bakes in the time of tracing).
import time
import jax, jax.numpy as jnp, numpy as np

def f(x):
    key = jax.random.PRNGKey(int(time.time() * 1000) % (2**31))
    return x + 0.01 * jax.random.normal(key, x.shape)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
