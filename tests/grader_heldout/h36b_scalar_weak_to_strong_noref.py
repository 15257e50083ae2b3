# Pitfall (no reference variant of h36): Python float lr on the first call, np.float64 afterwards -> jit compiles again on call 2.
# Python float -> weak f32, np.float64 -> strong f32: different abstract values, so jit compiles again
# (type promotion docs "weak types"; verified: jax.jit(g)(x, 0.1) then (x, np.float64(0.1)) compiles twice).
import jax, jax.numpy as jnp, numpy as np

def f(w, g, lr):
    return w - lr * g

def lr_schedule(step):
    if step == 0:
        return 0.1
    return 0.1 * np.power(0.9, step)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8,)), jnp.float32), jnp.asarray(rng.normal(size=(8,)), jnp.float32),
            lr_schedule(seed))
