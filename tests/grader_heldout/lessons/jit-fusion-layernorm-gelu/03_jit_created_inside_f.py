import jax
import jax.numpy as jnp


def _impl(x, gamma, beta):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    y = (x - mean) / jnp.sqrt(var + 1e-5)
    y = y * gamma + beta
    inner = 0.7978845608 * (y + 0.044715 * y ** 3)
    return 0.5 * y * (1.0 + jnp.tanh(inner))


def f(x, gamma, beta):
    return jax.jit(_impl)(x, gamma, beta)      # a new jit wrapper on every call
