# Correct: a pure forward function that takes a Flax NNX module as an argument and only reads it
# (NNX modules are pytrees in Flax 0.12, so plain jax.jit accepts them; nothing is mutated).
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

class MLP(nnx.Module):
    def __init__(self, rngs):
        self.l1 = nnx.Linear(4, 8, rngs=rngs)
        self.l2 = nnx.Linear(8, 2, rngs=rngs)

    def __call__(self, x):
        return self.l2(nnx.relu(self.l1(x)))

def f(model, x):
    return model(x)

def reference(model, x):
    h = jnp.maximum(x @ model.l1.kernel[...] + model.l1.bias[...], 0.0)
    return h @ model.l2.kernel[...] + model.l2.bias[...]

def example_args(seed=0):
    model = MLP(nnx.Rngs(seed))
    return (model, jnp.asarray(np.random.default_rng(seed).normal(size=(5, 4)), jnp.float32))
