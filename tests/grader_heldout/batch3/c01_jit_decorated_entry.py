# Correct: the entry itself is decorated with @jax.jit (how many learners write it); the grader's own
# jax.jit around an already-jitted function must be harmless (jit of jit is fine).
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(x, w, b):
    return jax.nn.gelu(x @ w + b)

def reference(x, w, b):
    h = x @ w + b
    return 0.5 * h * (1.0 + jnp.tanh(jnp.sqrt(2.0 / jnp.pi) * (h + 0.044715 * h ** 3)))

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8, 4)), jnp.float32),
            jnp.asarray(rng.normal(size=(4, 6)) / 2, jnp.float32),
            jnp.asarray(rng.normal(size=(6,)), jnp.float32))
