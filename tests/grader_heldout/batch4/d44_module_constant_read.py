# Correct (purity pass): f reads module-level constants that nothing ever rebinds (a true constant is fine
# to close over: it is baked in at trace time and never changes). Layer norm with fixed EPS and a module
# NumPy array of gains.
import jax, jax.numpy as jnp, numpy as np

EPS = 1e-5
GAIN = np.linspace(0.5, 1.5, 6).astype(np.float32)


def f(x):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return GAIN * (x - mu) / jnp.sqrt(var + EPS)


def reference(x):
    x = np.asarray(x, np.float64)
    mu = x.mean(-1, keepdims=True)
    return GAIN.astype(np.float64) * (x - mu) / np.sqrt(x.var(-1, keepdims=True) + EPS)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(5, 6)), jnp.float32),)
