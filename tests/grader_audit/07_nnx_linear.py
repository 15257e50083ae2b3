# Correct: Flax NNX module built from the key argument (nnx.Rngs uses fold_in, not reuse).
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

def f(x, key):
    model = nnx.Linear(4, 3, rngs=nnx.Rngs(params=key))
    return model(x)

def reference(x, key):
    m = nnx.Linear(4, 3, rngs=nnx.Rngs(params=key))
    return x @ m.kernel[...] + m.bias[...]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(2, 4)), jnp.float32), jax.random.key(seed))
