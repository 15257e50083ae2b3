# Correct (dtype): mean binary cross-entropy from logits, returned as a jnp float32 scalar. The reference
# returns a NumPy float64 scalar (np.mean). Same values; under x64-off canonicalisation it is float32
# (issue 10 item 5): correctness passes.
import jax, jax.numpy as jnp, numpy as np


def f(logits, labels):
    return jnp.mean(jnp.logaddexp(0.0, logits) - labels * logits)


def reference(logits, labels):
    z = np.asarray(logits, np.float64)
    y = np.asarray(labels, np.float64)
    return np.mean(np.logaddexp(0.0, z) - y * z)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(64,)) * 3, jnp.float32), jnp.asarray(rng.integers(0, 2, size=(64,)), jnp.float32))
