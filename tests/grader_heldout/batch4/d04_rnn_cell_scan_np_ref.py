# Correct (sequential): an Elman RNN, h_t = tanh(W h_{t-1} + U x_t + b), over a sequence with lax.scan;
# the hidden state is the carry (jax.lax.scan docs). Reference: the same RNN as a NumPy float64 loop.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(W, U, b, xs):
    def cell(h, x):
        h = jnp.tanh(W @ h + U @ x + b)
        return h, h
    return lax.scan(cell, jnp.zeros(W.shape[0], xs.dtype), xs)[1]


def reference(W, U, b, xs):
    W, U, b, xs = (np.asarray(a, np.float64) for a in (W, U, b, xs))
    h = np.zeros(W.shape[0])
    out = []
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
        out.append(h)
    return np.stack(out)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(8, 8)) * 0.3
    U = rng.normal(size=(8, 4)) * 0.5
    b = rng.normal(size=(8,)) * 0.1
    xs = rng.normal(size=(40, 4))
    return tuple(jnp.asarray(a, jnp.float32) for a in (W, U, b, xs))
