# Pitfall (vectorization): lax.scan whose carry is (index, output buffer); each step writes the softmax of
# row i into the buffer. The carry changes every step but nothing computed depends on what earlier steps
# wrote: a per-row loop with no real dependency (issue 10), where jax.nn.softmax(x, axis=-1) does it in one
# shot. Reference: NumPy (untraceable).
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x):
    def body(carry, _):
        i, out = carry
        row = jnp.exp(x[i] - x[i].max())
        return (i + 1, out.at[i].set(row / row.sum())), None
    (_, out), _ = lax.scan(body, (0, jnp.zeros_like(x)), None, length=x.shape[0])
    return out


def reference(x):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(30, 10)), jnp.float32),)
