# Correct: Python if on a static shape, x += 1 (rebinding, not mutation), jnp.nonzero with size=.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    if x.shape[0] > 4:          # shapes are static under jit
        x = x[:4]               # static slice
    x += 1.0                    # rebinds x; jax arrays are immutable
    idx, = jnp.nonzero(x > 1.0, size=4, fill_value=-1)
    return x, idx

def reference(x):
    y = x[:4] + 1.0
    idx = jnp.nonzero(y > 1.0, size=4, fill_value=-1)[0]
    return y, idx

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
