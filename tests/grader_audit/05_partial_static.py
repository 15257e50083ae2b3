# Correct: functools.partial(jax.jit, static_argnums=1); n static and identical on every call.
# run with --static-argnums 1
from functools import partial
import jax, jax.numpy as jnp, numpy as np

@partial(jax.jit, static_argnums=1)
def f(x, n):
    # n is a Python int: usable in range() and shapes
    return jnp.stack([x ** k for k in range(n)]).reshape(n, -1).sum(axis=1)

def reference(x, n):
    return jnp.stack([jnp.sum(x ** k) for k in range(n)])

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(size=(6,)), jnp.float32), 3)
