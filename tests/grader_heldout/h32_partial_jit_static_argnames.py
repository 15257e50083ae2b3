# Correct: @partial(jax.jit, static_argnames=...) on the function itself; the learner declares the same
# argument static to the grader (run WITH --static-argnums 1). num_iters is the same every call.
from functools import partial
import jax, jax.numpy as jnp, numpy as np
from jax import lax

@partial(jax.jit, static_argnames=("num_iters",))
def f(a, num_iters):
    v = jnp.ones((a.shape[0],), a.dtype)
    def body(i, v):
        w = a @ v
        return w / jnp.linalg.norm(w)
    v = lax.fori_loop(0, num_iters, body, v)
    return v @ a @ v

def reference(a, num_iters):
    v = jnp.ones((a.shape[0],), a.dtype)
    v = lax.fori_loop(0, num_iters, lambda i, v: (a @ v) / jnp.linalg.norm(a @ v), v)
    return v @ a @ v

def example_args(seed=0):
    m = np.random.default_rng(seed).normal(size=(6, 6))
    return (jnp.asarray(m @ m.T + 6 * np.eye(6), jnp.float32), 20)
