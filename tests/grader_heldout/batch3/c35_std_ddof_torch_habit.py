# Pitfall (correctness): the task asks for the SAMPLE standard deviation (ddof=1, torch.std's default);
# jnp.std defaults to ddof=0 (jnp.std docs), off by sqrt(N/(N-1)) ~ 3% for N=16.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)

def reference(x):
    return (x - x.mean(axis=0)) / jnp.std(x, axis=0, ddof=1)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16, 4)), jnp.float32),)
