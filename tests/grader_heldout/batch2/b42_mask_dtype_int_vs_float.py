# Pitfall (dtype): a padding mask returned as int32 where the reference returns float32 (same 0/1 values;
# README correctness requires the same dtypes; an int mask later floors averages).
import jax, jax.numpy as jnp, numpy as np

def f(lengths):
    return (jnp.arange(8)[None, :] < lengths[:, None]).astype(jnp.int32)

def reference(lengths):
    return (jnp.arange(8)[None, :] < lengths[:, None]).astype(jnp.float32)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).integers(1, 9, size=(4,)), jnp.int32),)
