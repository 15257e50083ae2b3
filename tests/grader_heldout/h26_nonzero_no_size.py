# Pitfall: jnp.nonzero without size= (output shape depends on values; ConcretizationTypeError under jit).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    idx = jnp.nonzero(x > 0.5)[0]
    return jnp.sum(idx)

def reference(x):
    return jnp.sum(jnp.where(x > 0.5, jnp.arange(x.shape[0]), 0))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(size=(20,)), jnp.float32),)
