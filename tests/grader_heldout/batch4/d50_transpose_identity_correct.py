# Correct (no false diagnostic): the learner writes (k @ q.T).T, which IS q @ k.T (transpose of a product):
# same values as the reference up to float rounding. Must pass; no transposition finding.
import jax, jax.numpy as jnp, numpy as np


def f(q, k):
    return (k @ q.T).T / jnp.sqrt(q.shape[-1])


def reference(q, k):
    return (q @ k.T) / jnp.sqrt(q.shape[-1])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(16, 8)), jnp.float32), jnp.asarray(rng.normal(size=(16, 8)), jnp.float32))
