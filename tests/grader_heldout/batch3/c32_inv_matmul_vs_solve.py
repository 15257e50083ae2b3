# Correct (numerically acceptable here): inv(A) @ B on a well-conditioned SPD matrix agrees with the
# reference jnp.linalg.solve within float32 tolerance.
import jax, jax.numpy as jnp, numpy as np

def f(a, b):
    return jnp.linalg.inv(a) @ b

def reference(a, b):
    return jnp.linalg.solve(a, b)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(6, 6))
    return (jnp.asarray(m @ m.T / 6 + 2 * np.eye(6), jnp.float32), jnp.asarray(rng.normal(size=(6, 3)), jnp.float32))
