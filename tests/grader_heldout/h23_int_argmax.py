# Pitfall: int() of a traced value to index (ConcretizationTypeError under jit). Fix: index with the traced
# integer directly, x[jnp.argmax(x)], or jnp.max.
import jax, jax.numpy as jnp, numpy as np

def f(scores, values):
    best = int(jnp.argmax(scores))
    return values[best]

def reference(scores, values):
    return values[jnp.argmax(scores)]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(10,)), jnp.float32), jnp.asarray(rng.normal(size=(10, 3)), jnp.float32))
