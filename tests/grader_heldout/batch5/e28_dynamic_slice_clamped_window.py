"""Windows of length 8 at given starts, zero past the end wanted; lax.dynamic_slice clamps the start instead."""
import numpy as np
import jax
import jax.numpy as jnp

W = 8


def f(x, starts):
    return jax.vmap(lambda s: jax.lax.dynamic_slice(x, (s,), (W,)))(starts)


def reference(x, starts):
    padded = np.concatenate([x, np.zeros(W, x.dtype)])
    return np.stack([padded[s:s + W] for s in np.asarray(starts)])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=50).astype(np.float32)
    starts = rng.integers(0, 50, size=12).astype(np.int32)
    starts[-1] = 47
    return x, starts
