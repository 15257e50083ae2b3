# Correct: data-dependent branch selection with lax.switch on a traced integer index.
import jax, jax.numpy as jnp, numpy as np
from jax import lax

def f(i, x):
    return lax.switch(i, [jnp.sin, jnp.cos, lambda v: v * v], x)

def reference(i, x):
    return jnp.stack([jnp.sin(x), jnp.cos(x), x * x])[jnp.clip(i, 0, 2)]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.int32(seed % 3), jnp.asarray(rng.normal(size=(5,)), jnp.float32))
