# A list [mean, var] where the reference returns a tuple (mean, var): the same answer (correctness passes,
# with a hint about the containers), by the policy of session 6 (see tests/grader_heldout/README.md).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    m = x.mean(axis=0)
    return [m, ((x - m) ** 2).mean(axis=0)]

def reference(x):
    return (x.mean(axis=0), x.var(axis=0))

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(20, 3)), jnp.float32),)
