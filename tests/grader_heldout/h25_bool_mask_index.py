# Pitfall: boolean-mask indexing x[x > 0] has a data-dependent shape (NonConcreteBooleanIndexError under jit).
# Fix: jnp.where(mask, x, 0).sum() / mask.sum().
import jax, jax.numpy as jnp, numpy as np

def f(x):
    pos = x[x > 0]
    return pos.mean()

def reference(x):
    m = x > 0
    return jnp.where(m, x, 0.0).sum() / m.sum()

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(40,)), jnp.float32),)
