# Correct: functional indexed update with .at[].set / .add (Sharp Bits: in-place updates).
import jax, jax.numpy as jnp, numpy as np

def f(x, i, v):
    y = x.at[i].set(v)
    return y.at[0].add(1.0)

def reference(x, i, v):
    mask = jnp.arange(x.shape[0]) == i
    y = jnp.where(mask, v, x)
    return y + (jnp.arange(x.shape[0]) == 0)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(10,)), jnp.float32), jnp.int32(rng.integers(1, 10)), jnp.float32(rng.normal()))
