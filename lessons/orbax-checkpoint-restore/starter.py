import os
import shutil
import tempfile

import jax.numpy as jnp
import optax
import orbax.checkpoint as ocp
from flax import nnx


class MLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(4, 16, rngs=rngs)
        self.out = nnx.Linear(16, 2, rngs=rngs)

    def __call__(self, x):
        return self.out(nnx.relu(self.hidden(x)))


TX = optax.sgd(0.1)


@nnx.jit
def train_step(model, optimizer, x, y):
    loss, grads = nnx.value_and_grad(lambda m: jnp.mean((m(x) - y) ** 2))(model)
    optimizer.update(model, grads)
    return loss


def f(x, y):
    """Train one step, checkpoint the parameters with Orbax, restore them in a new model, predict."""
    # --- the training job: one step, then save the parameters ---
    model = MLP(nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, TX, wrt=nnx.Param)
    train_step(model, optimizer, x, y)
    workdir = tempfile.mkdtemp(dir="/tmp")
    path = os.path.join(workdir, "ckpt")
    try:
        with ocp.StandardCheckpointer() as checkpointer:
            checkpointer.save(path, nnx.state(model, nnx.Param))
            checkpointer.wait_until_finished()

        # --- the serving job: a fresh model, then the saved weights on top ---
        with ocp.StandardCheckpointer() as checkpointer:
            restored = checkpointer.restore(path)
        served = MLP(nnx.Rngs(1))
        nnx.update(served, restored)
        return served(x)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
