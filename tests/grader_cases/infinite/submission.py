import jax.numpy as jnp
def f(x):
    while True: pass
def example_args(seed=0): return (jnp.ones(3),)
