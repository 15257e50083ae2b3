# Pitfall (jit): per-leaf gradient clipping with a Python `if` on the traced norm, hidden in the helper given
# to jax.tree.map. Eager works; under jit: TracerBoolConversionError (Sharp Bits "control flow").
import jax, jax.numpy as jnp, numpy as np

def _clip_leaf(g, max_norm=1.0):
    n = jnp.linalg.norm(g)
    if n > max_norm:
        return g * (max_norm / n)
    return g

def f(grads):
    return jax.tree.map(_clip_leaf, grads)

def reference(grads):
    return jax.tree.map(lambda g: g * jnp.minimum(1.0, 1.0 / jnp.linalg.norm(g)), grads)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return ({"w": jnp.asarray(rng.normal(size=(4, 4)), jnp.float32), "b": jnp.asarray(0.1 * rng.normal(size=(4,)), jnp.float32)},)
