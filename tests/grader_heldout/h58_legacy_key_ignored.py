# Pitfall: legacy uint32 key argument ignored (hard-coded PRNGKey(42) inside, copied from a tutorial):
# the output never changes with the key it is given. README: prng covers legacy PRNGKey keys.
import jax, jax.numpy as jnp, numpy as np

def f(x, rng):
    noise = jax.random.normal(jax.random.PRNGKey(42), x.shape)
    return x + 0.1 * noise

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32), jax.random.PRNGKey(seed))
