# Pitfall (prng): "new" keys for two noise draws made by integer arithmetic on a legacy uint32 PRNGKey,
# key + 1 and key + 2. It runs in plain JAX (a uint32[2] array plus an int; verified), but keys are not
# numbers: derived keys must come from jax.random.split / fold_in (jax.random docs; JEP 9263 typed keys
# forbid arithmetic, "add does not accept key<fry>"). Expected: a prng finding, not an error. No reference.
import jax, jax.numpy as jnp, numpy as np


def f(x, key):
    noise_a = jax.random.normal(key + 1, x.shape)
    noise_b = jax.random.uniform(key + 2, x.shape)
    return x + 0.1 * noise_a * noise_b


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(12,)), jnp.float32), jax.random.PRNGKey(seed))
