# Pitfall (correctness): gradient of a jnp.where-guarded sqrt. The forward value is fine, but the untaken
# branch's derivative (inf or NaN) times zero is NaN at x <= 0 (JAX FAQ "gradients contain NaN where using
# where"). Fix: the double-where trick (the reference).
import jax, jax.numpy as jnp, numpy as np

def _energy(x):
    return jnp.sum(jnp.where(x > 0, jnp.sqrt(x), 0.0))

def f(x):
    return jax.grad(_energy)(x)

def reference(x):
    safe = jnp.where(x > 0, x, 1.0)
    return jnp.where(x > 0, 0.5 / jnp.sqrt(safe), 0.0)

def example_args(seed=0):
    x = np.random.default_rng(seed).normal(size=(12,))
    x[0] = 0.0
    return (jnp.asarray(x, jnp.float32),)
