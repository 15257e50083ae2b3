# Pitfall (correctness/dtype): "percent of the maximum" cast with .astype(jnp.int32): truncates every value
# (e.g. 66.7 -> 66) and returns int32 where a float is expected. A genuine dtype mistake: values and dtype
# both differ from the reference (float).
import jax, jax.numpy as jnp, numpy as np


def f(x):
    return (100.0 * x / jnp.max(x)).astype(jnp.int32)


def reference(x):
    x = np.asarray(x, np.float64)
    return 100.0 * x / x.max()


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.0, 10.0, size=(30,)), jnp.float32),)
