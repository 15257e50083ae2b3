# Correct: the learner uses the library's numerically stable jax.nn.logsumexp; the reference spells out the
# max-shift by hand. No Python loop anywhere.
import jax, jax.numpy as jnp, numpy as np

def f(x):
    return jax.nn.logsumexp(x, axis=-1)

def reference(x):
    m = x.max(axis=-1)
    return m + jnp.log(jnp.exp(x - m[:, None]).sum(axis=-1))

def example_args(seed=0):
    return (jnp.asarray(3.0 * np.random.default_rng(seed).normal(size=(4, 10)), jnp.float32),)
