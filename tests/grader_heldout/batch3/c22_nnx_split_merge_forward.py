# Correct: the NNX functional API: f(graphdef, state, x) merges and applies the model (Flax guide "Flax NNX
# vs JAX transformations": split at the boundary, merge inside). GraphDef is a pytree without leaves.
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

def f(graphdef, state, x):
    model = nnx.merge(graphdef, state)
    return jax.nn.log_softmax(model(x), axis=-1)

def reference(graphdef, state, x):
    m = nnx.merge(graphdef, state)
    z = x @ m.kernel[...] + m.bias[...]
    return z - jax.scipy.special.logsumexp(z, axis=-1, keepdims=True)

def example_args(seed=0):
    graphdef, state = nnx.split(nnx.Linear(6, 3, rngs=nnx.Rngs(seed)))
    return (graphdef, state, jnp.asarray(np.random.default_rng(seed).normal(size=(4, 6)), jnp.float32))
