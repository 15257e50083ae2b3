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

        # --- the serving job: an abstract model gives the target's structure, shapes and dtypes ---
        abstract_model = nnx.eval_shape(lambda: MLP(nnx.Rngs(1)))
        graphdef, abstract_state = nnx.split(abstract_model)
        with ocp.StandardCheckpointer() as checkpointer:
            restored = checkpointer.restore(path, abstract_state)
        served = nnx.merge(graphdef, restored)
        return served(x)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
