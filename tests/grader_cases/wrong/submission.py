import jax.numpy as jnp, numpy as np
def f(x): return jnp.cos(x)
def reference(x): return jnp.sin(x)
def example_args(seed=0): return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
