# Correct (Flax idiom): the canonical NNX train step: @nnx.jit, nnx.value_and_grad, optimizer.update(model,
# grads). Model and optimizer are updated in place BY DESIGN: NNX transforms propagate state updates (Flax
# guide "Flax NNX vs JAX transformations": equivalent to split/merge "consistent with functional purity").
# Returns the loss before the update; the reference computes that loss functionally.
import jax, jax.numpy as jnp, numpy as np
import optax
from flax import nnx

class MLP(nnx.Module):
    def __init__(self, rngs):
        self.l1 = nnx.Linear(4, 16, rngs=rngs)
        self.l2 = nnx.Linear(16, 1, rngs=rngs)

    def __call__(self, x):
        return self.l2(nnx.relu(self.l1(x)))

TX = optax.sgd(0.05)

@nnx.jit
def f(model, optimizer, x, y):
    def loss_fn(model):
        return jnp.mean((model(x) - y) ** 2)
    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss

def reference(model, optimizer, x, y):
    h = jnp.maximum(x @ model.l1.kernel[...] + model.l1.bias[...], 0.0)
    return jnp.mean((h @ model.l2.kernel[...] + model.l2.bias[...] - y) ** 2)

def example_args(seed=0):
    model = MLP(nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, TX, wrt=nnx.Param)
    rng = np.random.default_rng(seed)
    return (model, optimizer, jnp.asarray(rng.normal(size=(32, 4)), jnp.float32),
            jnp.asarray(rng.normal(size=(32, 1)), jnp.float32))
