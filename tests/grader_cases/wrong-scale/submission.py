import jax.numpy as jnp
import numpy as np


def f(x):
    # variance with the wrong count: sum of squares divided by 2n
    mu = jnp.mean(x, axis=-1, keepdims=True)
    return jnp.sum((x - mu) ** 2, axis=-1) / (2 * x.shape[-1])


def reference(x):
    return jnp.var(x, axis=-1)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16, 32)), jnp.float32),)
