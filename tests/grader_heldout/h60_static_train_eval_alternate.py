# Correct use of a static flag with a SMALL set of values (run WITH --static-argnums 2): training alternates
# train and eval steps, so jit compiles one program per value (2 in total) and reuses them afterwards
# (jit docs: each distinct static value compiles once; fine when the set of values is small).
import jax, jax.numpy as jnp, numpy as np

def f(x, key, training):
    if training:
        keep = jax.random.bernoulli(key, 0.9, x.shape)
        return jnp.where(keep, x / 0.9, 0.0)
    return x

def reference(x, key, training):
    if not training:
        return x
    return jnp.where(jax.random.bernoulli(key, 0.9, x.shape), x / 0.9, 0.0)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16,)), jnp.float32), jax.random.key(seed), seed % 2 == 0)
