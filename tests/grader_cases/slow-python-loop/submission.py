import jax.numpy as jnp
import numpy as np


def f(x):
    # A Python loop over every element: seconds of eager op-by-op dispatch, and jit would unroll it.
    acc = jnp.zeros(())
    for i in range(x.shape[0]):
        acc = acc + jnp.sin(x[i]) * jnp.cos(x[i])
    return acc


def reference(x):
    return jnp.sum(jnp.sin(x) * jnp.cos(x))


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(262144,)), jnp.float32),)
