"""h_t = a_t * h_{t-1} + b_t in parallel: lax.associative_scan with the (associative) affine-map composition."""
import numpy as np
import jax
import jax.numpy as jnp


def _combine(left, right):
    a1, b1 = left
    a2, b2 = right
    return a1 * a2, a2 * b1 + b2


@jax.jit
def f(a, b):
    _, h = jax.lax.associative_scan(_combine, (a, b))
    return h


def reference(a, b):
    h = np.zeros(len(a))
    prev = 0.0
    for t in range(len(a)):
        prev = float(a[t]) * prev + float(b[t])
        h[t] = prev
    return h


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 0.99, size=4096).astype(np.float32)
    b = rng.normal(size=4096).astype(np.float32)
    return a, b
