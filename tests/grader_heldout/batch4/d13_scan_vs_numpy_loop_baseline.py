# Correct + fast: a nonlinear recurrence h_t = tanh(0.9 h_{t-1} + x_t) over 2000 steps with lax.scan in a
# @jax.jit-decorated entry, against the NumPy Python loop it replaces (baseline, untraceable, timed as
# written). Measured here: ~450x (compile excluded). Reference: the same NumPy loop. Run with --min-speedup 3.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


@jax.jit
def f(xs):
    def step(h, x):
        h = jnp.tanh(0.9 * h + x)
        return h, h
    return lax.scan(step, jnp.zeros(xs.shape[1], xs.dtype), xs)[1]


def _loop(xs):
    xs = np.asarray(xs, np.float64)
    h = np.zeros(xs.shape[1])
    out = np.empty_like(xs)
    for t in range(xs.shape[0]):
        h = np.tanh(0.9 * h + xs[t])
        out[t] = h
    return out


def reference(xs):
    return _loop(xs)


def baseline(xs):
    return _loop(xs)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(2000, 4)), jnp.float32),)
