# Correct (no false diagnostic): log returns with jnp.diff(jnp.log(p), prepend=...) so that output[0] is 0:
# the same values as the reference's explicit slicing. Must pass; no shift finding.
import jax, jax.numpy as jnp, numpy as np


def f(p):
    lp = jnp.log(p)
    return jnp.diff(lp, prepend=lp[:1])


def reference(p):
    r = np.log(np.asarray(p, np.float64))
    return np.concatenate([[0.0], r[1:] - r[:-1]])


def example_args(seed=0):
    return (jnp.asarray(100.0 * np.exp(np.random.default_rng(seed).normal(0, 0.02, size=(50,)).cumsum()), jnp.float32),)
