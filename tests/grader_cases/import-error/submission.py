import jax.numpy as jnp
import not_a_real_package_xyz


def f(x):
    return jnp.sin(x)


def example_args(seed=0):
    return (jnp.ones(3),)
