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
    model = CNN(nnx.Rngs(0))
    x = jnp.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC: move the channel axis, do not reinterpret memory
    return model(x)
