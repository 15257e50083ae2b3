import jax
import jax.numpy as jnp


@jax.checkpoint
def block(w1, w2, x):
    h = jax.nn.gelu(x @ w1)
    return x + h @ w2


def loss_fn(params, x):
    for i in range(params["w1"].shape[0]):
        x = block(params["w1"][i], params["w2"][i], x)
    return jnp.mean(x ** 2)


def f(params, x):
    return jax.value_and_grad(loss_fn)(params, x)
