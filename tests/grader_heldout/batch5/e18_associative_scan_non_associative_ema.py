"""EMA m_t = a*m_{t-1} + (1-a)*x_t written as associative_scan with a NON-associative operator."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x, alpha):
    return jax.lax.associative_scan(lambda m, xt: alpha * m + (1.0 - alpha) * xt, x)


def reference(x, alpha):
    out = np.zeros(len(x))
    m = float(x[0])
    out[0] = m
    for t in range(1, len(x)):
        m = alpha * m + (1.0 - alpha) * float(x[t])
        out[t] = m
    return out


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=64).astype(np.float32), 0.9
