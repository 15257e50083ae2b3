# Correct: a jax.jit-decorated entry (jit of jit is fine).
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(x, w, b):
    return jax.nn.relu(x @ w + b)

def reference(x, w, b):
    return jnp.maximum(jnp.dot(x, w) + b, 0.0)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(4, 5)), jnp.float32),
            jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),
            jnp.asarray(rng.normal(size=(3,)), jnp.float32))
