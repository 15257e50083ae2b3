import jax.numpy as jnp
def f(x, y): return x + y
def example_args(seed=0): return (jnp.ones(3),)
