# Correct: a custom pytree via jax.tree_util.register_dataclass (params passed as one object).
import dataclasses
import jax, jax.numpy as jnp, numpy as np

@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Linear:
    w: jax.Array
    b: jax.Array

def f(p, x):
    return jax.nn.sigmoid(x @ p.w + p.b)

def reference(p, x):
    return 1.0 / (1.0 + jnp.exp(-(x @ p.w + p.b)))

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (Linear(jnp.asarray(rng.normal(size=(3, 2)), jnp.float32), jnp.asarray(rng.normal(size=(2,)), jnp.float32)),
            jnp.asarray(rng.normal(size=(5, 3)), jnp.float32))
