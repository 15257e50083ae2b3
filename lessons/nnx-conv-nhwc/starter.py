import jax.numpy as jnp
from flax import nnx


class CNN(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(3, 8, kernel_size=(3, 3), rngs=rngs)                  # (N, 16, 16, 8)
        self.conv2 = nnx.Conv(8, 16, kernel_size=(3, 3), strides=(2, 2), rngs=rngs)  # (N, 8, 8, 16)
        self.head = nnx.Linear(8 * 8 * 16, 10, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.conv1(x))
        x = nnx.relu(self.conv2(x))
        return self.head(x.reshape(x.shape[0], -1))


def f(x):
    """x: float32[4, 3, 16, 16] in NCHW layout. Returns the logits float32[4, 10]."""
    model = CNN(nnx.Rngs(0))
    n, c, h, w = x.shape
    x = x.reshape(n, h, w, c)  # nnx.Conv wants channels last
    return model(x)
