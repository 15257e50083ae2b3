import jax.numpy as jnp
import optax
from flax import nnx

N_STEPS = 5
ADAM = optax.adam(learning_rate=1e-2)


class MLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(8, 32, rngs=rngs)
        self.out = nnx.Linear(32, 1, rngs=rngs)

    def __call__(self, x):
        return self.out(nnx.relu(self.hidden(x)))


def mse(model, x, y):
    return jnp.mean((model(x) - y) ** 2)


@nnx.jit
def train(model, optimizer, x, y):
    losses = []
    for _ in range(N_STEPS):
        loss, grads = nnx.value_and_grad(mse)(model, x, y)
        optimizer.update(model, grads)
        losses.append(loss)
    return jnp.stack(losses)


def f(x, y):
    model = MLP(nnx.Rngs(0))
    opt = nnx.Optimizer(model, ADAM, wrt=nnx.Param)
    return train(model, opt, x, y)
