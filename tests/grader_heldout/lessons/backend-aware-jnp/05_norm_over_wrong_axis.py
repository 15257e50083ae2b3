import jax
import jax.numpy as jnp

MATMUL_DTYPE = jnp.float32 if jax.default_backend() == "cpu" else jnp.bfloat16


def f(x, w):
    h = jnp.matmul(x.astype(MATMUL_DTYPE), w.astype(MATMUL_DTYPE),
                   preferred_element_type=jnp.float32)
    h = jax.nn.relu(h)
    norm = jnp.linalg.norm(h, axis=0, keepdims=True)
    return h / jnp.maximum(norm, 1e-6)
