# Pitfall (vectorization): lax.fori_loop over elements, each iteration computing a softplus of x[i] and
# writing it with .at[i].set. The buffer is only written, never read: no loop-carried dependency, so this is
# a sequential loop doing elementwise work (jax.nn.softplus / jnp.logaddexp does it at once).
# Reference: NumPy (untraceable).
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x):
    def body(i, out):
        return out.at[i].set(jnp.logaddexp(x[i], 0.0))
    return lax.fori_loop(0, x.shape[0], body, jnp.zeros_like(x))


def reference(x):
    return np.logaddexp(np.asarray(x, np.float64), 0.0)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(200,)) * 3, jnp.float32),)
