# Pitfall (correctness, shift by one): log returns r_t = log(p_t / p_{t-1}) written into the wrong slots:
# the learner pads at the end instead of the start, so output[t] holds r_{t+1}. Expected diagnostic:
# shifted by one step along axis 0.
import jax, jax.numpy as jnp, numpy as np


def f(p):
    r = jnp.log(p[1:] / p[:-1])
    return jnp.concatenate([r, jnp.zeros((1,), p.dtype)])


def reference(p):
    r = jnp.log(p[1:] / p[:-1])
    return jnp.concatenate([jnp.zeros((1,), p.dtype), r])


def example_args(seed=0):
    return (jnp.asarray(100.0 * np.exp(np.random.default_rng(seed).normal(0, 0.02, size=(50,)).cumsum()), jnp.float32),)
