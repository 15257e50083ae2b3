# Pitfall (prng): a dropout mask from `key` and a noise draw from `key * 3` on a legacy PRNGKey. Arithmetic
# on keys is not a way to derive keys (jax.random docs: use split/fold_in); for seed 0, PRNGKey(0) * 3 is
# [0, 0] again, i.e. the SAME key (verified). Runs in plain JAX; expected a prng finding. No reference.
import jax, jax.numpy as jnp, numpy as np


def f(x, key):
    keep = jax.random.bernoulli(key, 0.8, x.shape)
    noise = jax.random.normal(key * 3, x.shape)
    return jnp.where(keep, x / 0.8, 0.0) + 0.01 * noise


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32), jax.random.PRNGKey(seed))
