# Correct: global-norm gradient clipping in a helper with lax.cond on the traced norm (Sharp Bits "control
# flow": structured control flow instead of Python `if`). Some seeds clip, some do not.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def _clip_by_global_norm(tree, max_norm):
    norm = jnp.sqrt(sum(jnp.sum(g * g) for g in jax.tree.leaves(tree)))
    return lax.cond(norm > max_norm,
                    lambda t: jax.tree.map(lambda g: g * (max_norm / norm), t),
                    lambda t: t,
                    tree)

def f(grads):
    return _clip_by_global_norm(grads, 2.0)

def reference(grads):
    norm = jnp.sqrt(jnp.sum(grads["w"] ** 2) + jnp.sum(grads["b"] ** 2))
    scale = jnp.minimum(1.0, 2.0 / norm)
    return {"w": grads["w"] * scale, "b": grads["b"] * scale}

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    s = [0.2, 1.0, 0.3][seed % 3]
    return ({"w": jnp.asarray(s * rng.normal(size=(3, 3)), jnp.float32), "b": jnp.asarray(s * rng.normal(size=(3,)), jnp.float32)},)
