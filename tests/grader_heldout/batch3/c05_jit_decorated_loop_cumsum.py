# Pitfall (vectorization): running total written as a Python loop over rows inside a @jax.jit entry:
# jit unrolls it into one add+slice per row. Fix: jnp.cumsum(x, axis=0).
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(x):
    acc = jnp.zeros(x.shape[1:], x.dtype)
    out = []
    for t in range(x.shape[0]):
        acc = acc + x[t]
        out.append(acc)
    return jnp.stack(out)

def reference(x):
    return jnp.cumsum(x, axis=0)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(32, 4)), jnp.float32),)
