# Correct (sequential): Newton-Raphson for 1/a, y <- y (2 - a y), 12 steps in lax.fori_loop; each step uses
# the previous y (quadratic convergence from y0=0.1 since 0 < y0 < 2/a for a <= 4). Reference: jnp 1/a,
# traced and loop-free; the iteration is still a genuine recurrence.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(a):
    return lax.fori_loop(0, 12, lambda _, y: y * (2.0 - a * y), jnp.full_like(a, 0.1))


def reference(a):
    return 1.0 / a


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 4.0, size=(64,)), jnp.float32),)
