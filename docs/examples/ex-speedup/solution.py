import jax
import jax.numpy as jnp


@jax.jit
def f(x):
    return jnp.log1p(jnp.exp(x))  # the whole matrix at once, one compiled program
