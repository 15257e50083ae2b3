# Pitfall (correctness): variance as E[x^2] - E[x]^2 in float32 on data with a large mean: catastrophic
# cancellation (errors ~1e-3 relative). Fix: jnp.var / two-pass mean((x - m)**2).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return jnp.mean(x * x, axis=0) - jnp.mean(x, axis=0) ** 2

def reference(x):
    return jnp.var(x, axis=0)

def example_args(seed=0):
    return (jnp.asarray(1000.0 + np.random.default_rng(seed).normal(size=(64, 4)), jnp.float32),)
