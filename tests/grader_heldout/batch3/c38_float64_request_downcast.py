# Correct (x64 disabled, the default): float64 NumPy inputs and an explicit jnp.asarray(..., dtype=jnp.float64)
# request. JAX warns and truncates to float32 (Sharp Bits "double (64bit) precision"); the warning is
# JAX's, not a learner print, and the result equals the float32 reference.
import jax, jax.numpy as jnp, numpy as np

def f(x, mu, sigma):
    x = jnp.asarray(x, dtype=jnp.float64)
    z = (x - mu) / sigma
    return jnp.sum(-0.5 * z ** 2 - jnp.log(sigma) - 0.5 * jnp.log(2 * jnp.pi), axis=-1)

def reference(x, mu, sigma):
    return jnp.sum(jax.scipy.stats.norm.logpdf(jnp.asarray(x, jnp.float32), mu, sigma), axis=-1)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(8, 3)), rng.normal(size=(3,)), rng.uniform(0.5, 2.0, size=(3,)))
