# Correct (time limits): a @jax.jit-decorated entry running a 1000-step lax.scan (a leaky integrator with a
# soft threshold). Pure and fast when jitted; a probe that disables jit runs the scan step by step in
# Python, which is slow but says nothing about purity (issue 10 item 4: a correct jitted scan failed
# purity under load). Reference: NumPy loop.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


@jax.jit
def f(xs):
    def step(v, x):
        v = 0.95 * v + x
        v = v - jax.nn.relu(v - 1.0)
        return v, v
    return lax.scan(step, jnp.zeros(xs.shape[1], xs.dtype), xs)[1]


def reference(xs):
    xs = np.asarray(xs, np.float64)
    v = np.zeros(xs.shape[1])
    out = np.empty_like(xs)
    for t in range(xs.shape[0]):
        v = 0.95 * v + xs[t]
        v = v - np.maximum(v - 1.0, 0.0)
        out[t] = v
    return out


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.0, 0.2, size=(1000, 2)), jnp.float32),)
