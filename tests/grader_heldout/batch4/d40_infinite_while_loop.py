# Pitfall (time limit): a Newton iteration in lax.while_loop whose body forgets to increment the counter, so
# cond (i < 20) is always true and the loop never ends (jax.lax.while_loop docs: the loop runs while
# cond_fun is True). The call never returns: a time-limit error, not a wrong answer.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x):
    def cond(c):
        i, _ = c
        return i < 20

    def body(c):
        i, y = c
        return i, 0.5 * (y + x / y)

    return lax.while_loop(cond, body, (0, jnp.ones_like(x)))[1]


def reference(x):
    return np.sqrt(np.asarray(x, np.float64))


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(0.5, 4.0, size=(8,)), jnp.float32),)
