# Correct: legacy jax.random.PRNGKey uint32 key, split once, each subkey used once; fold_in per step.
import jax, jax.numpy as jnp, numpy as np

def f(x, key):
    k1, k2 = jax.random.split(key)
    a = jax.random.normal(k1, x.shape)
    steps = [jax.random.uniform(jax.random.fold_in(k2, i), ()) for i in range(3)]
    return x + a + sum(steps)

def reference(x, key):
    k1, k2 = jax.random.split(key)
    return x + jax.random.normal(k1, x.shape) + sum(jax.random.uniform(jax.random.fold_in(k2, i), ()) for i in range(3))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(4,)), jnp.float32), jax.random.PRNGKey(seed))
