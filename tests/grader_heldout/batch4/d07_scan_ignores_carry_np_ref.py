# Pitfall (vectorization): lax.scan used as a "for each row" loop; the body never reads the carry (it passes
# a dummy 0 through unchanged), so every step is independent and one broadcast expression does the whole
# thing. Values are right. Reference: a vectorised NumPy function (untraceable), so the verdict must come
# from the submission's own program (issue 10: a loop whose body ignores the carry fails).
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x):
    def body(carry, row):
        return carry, jnp.log1p(jnp.exp(row)) - 0.5 * row
    return lax.scan(body, 0.0, x)[1]


def reference(x):
    x = np.asarray(x, np.float64)
    return np.log1p(np.exp(x)) - 0.5 * x


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(48, 8)), jnp.float32),)
