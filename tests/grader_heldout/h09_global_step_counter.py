# Pitfall: learning-rate schedule driven by a global step counter incremented inside the update
# (writes a module global; under jit the increment happens once, at trace time).
import jax, jax.numpy as jnp, numpy as np

step = 0

def f(w, g):
    global step
    step += 1
    lr = 0.1 / (1.0 + 0.01 * step)
    return w - lr * g

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8,)), jnp.float32), jnp.asarray(rng.normal(size=(8,)), jnp.float32))
