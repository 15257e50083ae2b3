# Pitfall (prng): a random walk in lax.fori_loop whose step noise comes from jax.random.normal(key + i) with
# a legacy PRNGKey and the traced loop index: key arithmetic instead of fold_in(key, i) (jax.random docs).
# Runs in plain JAX (uint32 + int32). The loop itself is a true recurrence. No reference.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x0, key):
    def body(i, x):
        return 0.9 * x + 0.1 * jax.random.normal(key + i, x.shape)
    return lax.fori_loop(0, 30, body, x0)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(3,)), jnp.float32), jax.random.PRNGKey(seed))
