"""The jax.custom_jvp docs example: log1pexp with a numerically stable derivative rule."""
import numpy as np
import jax
import jax.numpy as jnp


@jax.custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), (1.0 - 1.0 / (1.0 + jnp.exp(x))) * t


def f(x):
    return jax.grad(lambda x: jnp.sum(log1pexp(x)))(x)


def reference(x):
    x = np.asarray(x, np.float64)
    return 1.0 / (1.0 + np.exp(-x))


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-120.0, 120.0, size=64).astype(np.float32),)
