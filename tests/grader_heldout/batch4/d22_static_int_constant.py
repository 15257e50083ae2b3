# Correct (retrace pass): the number of Newton steps is a static int (run with --static-argnums 1) and is the
# same (5) on every call: one compilation, then cache hits (jax.jit docs: static values must be hashable;
# an unchanged value hits the cache). The Python loop has a fixed, small length and a true dependency.
import jax, jax.numpy as jnp, numpy as np


def f(x, n_steps):
    y = jnp.ones_like(x)
    for _ in range(n_steps):
        y = 0.5 * (y + x / y)
    return y


def reference(x, n_steps):
    return np.sqrt(np.asarray(x, np.float64))


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 2.0, size=(16,)), jnp.float32), 5)
