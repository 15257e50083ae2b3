# Pitfall: legacy uint32 jax.random.PRNGKey key reused for the dropout mask and the noise
# (README: the prng check covers legacy PRNGKey keys too; JAX's own checker does not).
import jax, jax.numpy as jnp, numpy as np

def f(x, rng):
    mask = jax.random.bernoulli(rng, 0.9, x.shape)
    noise = jax.random.normal(rng, x.shape)
    return jnp.where(mask, x, 0.0) + 0.05 * noise

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32), jax.random.PRNGKey(seed))
