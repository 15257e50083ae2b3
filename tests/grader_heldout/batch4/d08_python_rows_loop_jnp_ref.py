# Pitfall (vectorization): a Python for-loop over the rows of a batch, each row L2-normalised on its own and
# stacked; no row depends on another. Under jit the loop is unrolled into 40 copies (jax.lax.scan docs:
# "native Python loop constructs in an @jit function are unrolled"); the fix is one expression with
# axis=-1, keepdims=True. Reference: jnp.
import jax, jax.numpy as jnp, numpy as np


def f(x):
    rows = []
    for i in range(x.shape[0]):
        rows.append(x[i] / jnp.sqrt(jnp.sum(x[i] ** 2) + 1e-8))
    return jnp.stack(rows)


def reference(x):
    return x / jnp.sqrt(jnp.sum(x**2, axis=-1, keepdims=True) + 1e-8)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(40, 6)), jnp.float32),)
