# Pitfall (prng): two "augmented views" drawn from the same key inside a @jax.jit entry: both views get
# identical noise (jax.random docs: same key -> same bits). Fix: k1, k2 = jax.random.split(key). No reference.
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(key, x):
    v1 = x + 0.1 * jax.random.normal(key, x.shape)
    v2 = x + 0.1 * jax.random.normal(key, x.shape)
    return jnp.stack([v1, v2])

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 6)), jnp.float32))
