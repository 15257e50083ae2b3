"""Circular convolution through complex FFTs: irfft(rfft(a) * rfft(b))."""
import numpy as np
import jax
import jax.numpy as jnp


def f(a, b):
    n = a.shape[0]
    return jnp.fft.irfft(jnp.fft.rfft(a) * jnp.fft.rfft(b), n=n)


def reference(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    n = len(a)
    return np.array([sum(a[j] * b[(i - j) % n] for j in range(n)) for i in range(n)])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.0, 1.0, size=32).astype(np.float32)
    b = rng.uniform(0.0, 1.0, size=32).astype(np.float32)
    return a, b
