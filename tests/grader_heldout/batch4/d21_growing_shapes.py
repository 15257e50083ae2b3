# Pitfall (retrace): a running log of rewards is passed whole on every call and grows by 8 entries each
# call, so every call has a new input shape and jit compiles again (jit docs: shapes are part of the
# cache key; JAX FAQ/"dynamic shapes"). Fix: a fixed-size buffer with a valid-length mask (see d23).
# The reference shares the choice.
import jax, jax.numpy as jnp, numpy as np


def f(rewards):
    w = 0.99 ** jnp.arange(rewards.shape[0])[::-1]
    return jnp.sum(w * rewards) / jnp.sum(w)


def reference(rewards):
    w = 0.99 ** jnp.arange(rewards.shape[0])[::-1]
    return jnp.sum(w * rewards) / jnp.sum(w)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16 + 8 * seed,)), jnp.float32),)
