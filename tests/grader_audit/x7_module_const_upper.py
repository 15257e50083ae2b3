# Probe: module-level UPPERCASE constant never modified (idiomatic; grader's golden 'globalr' treats any read as impure).
import jax, jax.numpy as jnp, numpy as np
EPS = 1e-6
def f(x):
    return x / (jnp.linalg.norm(x) + EPS)
def reference(x): return x / (jnp.linalg.norm(x) + 1e-6)
def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
