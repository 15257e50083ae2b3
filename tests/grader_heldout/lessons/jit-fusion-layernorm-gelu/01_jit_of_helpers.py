import jax
import jax.numpy as jnp


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * gamma + beta


def gelu_tanh(y):
    return 0.5 * y * (1.0 + jnp.tanh(0.7978845608 * (y + 0.044715 * y ** 3)))


def _block(x, gamma, beta):
    return gelu_tanh(layer_norm(x, gamma, beta))


f = jax.jit(_block)
