# Pitfall: one-hot over the classes present, via jnp.unique without `size`: the output shape depends on
# values, so jit raises ConcretizationTypeError (jnp.unique docs: pass size= under jit).
import jax, jax.numpy as jnp, numpy as np

def f(labels):
    classes = jnp.unique(labels)
    return (labels[:, None] == classes[None, :]).astype(jnp.float32)

def reference(labels):
    classes = jnp.asarray(np.unique(np.asarray(labels)))
    return (labels[:, None] == classes[None, :]).astype(jnp.float32)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).integers(0, 6, size=(8,)), jnp.int32),)
