# Edge case: @partial(jax.jit, static_argnames=("axis",)) and the caller passes axis POSITIONALLY (jax maps
# static_argnames to the position), but the learner ran `check` without --static-argnums. The code itself is
# correct and runs; only checks whose verdict does not depend on that omission are expected.
from functools import partial
import jax, jax.numpy as jnp, numpy as np

@partial(jax.jit, static_argnames=("axis",))
def f(x, axis):
    return jax.nn.softmax(x, axis=axis)

def reference(x, axis):
    e = jnp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(5, 7)), jnp.float32), 1)
