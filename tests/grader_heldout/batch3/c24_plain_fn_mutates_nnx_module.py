# Pitfall (purity): a PLAIN function (no nnx.jit) that updates the NNX model in place with nnx.update.
# Eagerly the caller's model changes; under jax.jit the update is silently lost, because JAX transforms do
# not propagate NNX state updates (Flax guide "Flax NNX vs JAX transformations"). Fix: @nnx.jit, or
# split/merge and return the new state. Returns the pre-update loss.
import jax, jax.numpy as jnp, numpy as np
from flax import nnx

def f(model, x, y):
    def loss_fn(m):
        return jnp.mean((m(x) - y) ** 2)
    loss, grads = nnx.value_and_grad(loss_fn)(model)
    params = nnx.state(model, nnx.Param)
    nnx.update(model, jax.tree.map(lambda p, g: p - 0.05 * g, params, grads))
    return loss

def reference(model, x, y):
    return jnp.mean((x @ model.kernel[...] + model.bias[...] - y) ** 2)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (nnx.Linear(3, 1, rngs=nnx.Rngs(seed)), jnp.asarray(rng.normal(size=(16, 3)), jnp.float32),
            jnp.asarray(rng.normal(size=(16, 1)), jnp.float32))
