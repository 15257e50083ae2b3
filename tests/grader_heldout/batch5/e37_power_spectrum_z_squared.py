"""Power spectrum of a real signal as real(z * z) instead of |z|**2 = z * conj(z)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    z = jnp.fft.rfft(x)
    return jnp.real(z * z)


def reference(x):
    return np.abs(np.fft.rfft(np.asarray(x, np.float64))) ** 2


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=64).astype(np.float32),)
