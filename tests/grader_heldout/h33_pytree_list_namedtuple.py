# Correct: MLP params as a list of (W, b) NamedTuples, a standard pytree argument.
from typing import NamedTuple
import jax, jax.numpy as jnp, numpy as np

class Layer(NamedTuple):
    w: jax.Array
    b: jax.Array

def f(params, x):
    for layer in params[:-1]:
        x = jax.nn.gelu(x @ layer.w + layer.b)
    last = params[-1]
    return x @ last.w + last.b

def reference(params, x):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = jax.nn.gelu(h)
    return h

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    sizes = [4, 8, 8, 2]
    params = [Layer(jnp.asarray(rng.normal(size=(m, n)) / np.sqrt(m), jnp.float32), jnp.zeros((n,), jnp.float32))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return (params, jnp.asarray(rng.normal(size=(5, 4)), jnp.float32))
