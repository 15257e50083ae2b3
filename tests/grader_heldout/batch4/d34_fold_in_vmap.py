# Correct (prng): one key per ensemble member derived with jax.random.fold_in(key, i) for i = 0..4 under vmap
# (each member gets a distinct key; fold_in is the documented way to derive keys from data), then each draws
# its own Gaussian perturbation. No reference.
import jax, jax.numpy as jnp, numpy as np


def f(w, key):
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(5))
    eps = jax.vmap(lambda k: jax.random.normal(k, w.shape))(keys)
    return w[None, :] + 0.05 * eps


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32), jax.random.PRNGKey(seed))
