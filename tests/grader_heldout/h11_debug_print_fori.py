# Correct: jax.debug.print inside a lax.fori_loop body of an @jax.jit function (the documented way to print
# runtime values; "Introduction to debugging" docs).
import jax, jax.numpy as jnp, numpy as np
from jax import lax

@jax.jit
def f(x):
    def body(i, acc):
        jax.debug.print("iter {i}: {m}", i=i, m=acc.max())
        return 0.5 * (acc + x / acc)
    return lax.fori_loop(0, 6, body, jnp.ones_like(x))

def reference(x):
    return lax.fori_loop(0, 6, lambda i, a: 0.5 * (a + x / a), jnp.ones_like(x))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 4.0, size=(8,)), jnp.float32),)
