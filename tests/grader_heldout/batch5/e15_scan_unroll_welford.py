"""Running mean and variance with Welford's update in lax.scan(unroll=4): a true recurrence."""
import numpy as np
import jax
import jax.numpy as jnp


def f(x):
    def step(carry, xt):
        n, mean, m2 = carry
        n = n + 1.0
        d = xt - mean
        mean = mean + d / n
        m2 = m2 + d * (xt - mean)
        return (n, mean, m2), (mean, m2 / n)

    init = (jnp.float32(0.0), jnp.float32(0.0), jnp.float32(0.0))
    _, (means, variances) = jax.lax.scan(step, init, x, unroll=4)
    return means, variances


def reference(x):
    x = np.asarray(x, np.float64)
    n = np.arange(1, len(x) + 1)
    means = np.cumsum(x) / n
    variances = np.cumsum(x * x) / n - means ** 2
    return means, variances


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(1.0, 2.0, size=200).astype(np.float32),)
