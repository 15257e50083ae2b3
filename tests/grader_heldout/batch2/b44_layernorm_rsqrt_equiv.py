# Correct (different numerics, within float32 tolerance): layer norm with lax.rsqrt and a manual variance
# versus jnp.var and division by sqrt.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(x, gamma, beta):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=-1, keepdims=True)
    return gamma * xc * lax.rsqrt(var + 1e-5) + beta

def reference(x, gamma, beta):
    mu = jnp.mean(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / jnp.sqrt(jnp.var(x, axis=-1, keepdims=True) + 1e-5) + beta

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(4, 16)), jnp.float32), jnp.asarray(rng.uniform(0.5, 1.5, size=(16,)), jnp.float32),
            jnp.asarray(rng.normal(size=(16,)), jnp.float32))
