# Correct: the entry is a module-level lambda (per-example mean absolute error).
import jax, jax.numpy as jnp, numpy as np

f = lambda pred, target: jnp.mean(jnp.abs(pred - target), axis=-1)

def reference(pred, target):
    return jnp.sum(jnp.abs(pred - target), axis=-1) / pred.shape[-1]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8, 5)), jnp.float32), jnp.asarray(rng.normal(size=(8, 5)), jnp.float32))
