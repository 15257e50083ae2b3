# Pitfall (copy-paste): two keys derived with fold_in(key, 0) twice: fold_in is deterministic, so the
# weight and bias keys are identical and the two draws come from the same key (key reuse by value).
import jax, jax.numpy as jnp, numpy as np

def f(key, x):
    k_w = jax.random.fold_in(key, 0)
    k_b = jax.random.fold_in(key, 0)   # meant fold_in(key, 1)
    w = jax.random.normal(k_w, (x.shape[-1], 3)) * 0.1
    b = jax.random.normal(k_b, (3,)) * 0.1
    return x @ w + b

def example_args(seed=0):
    return (jax.random.key(seed), jnp.asarray(np.random.default_rng(seed).normal(size=(4, 5)), jnp.float32))
