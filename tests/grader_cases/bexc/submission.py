import jax.numpy as jnp
class Boom(BaseException): pass
def f(x):
    raise Boom()
def example_args(seed=0): return (jnp.ones(3),)
