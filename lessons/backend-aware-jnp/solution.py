import jax
import jax.numpy as jnp

# Decided once, when the module is imported: the backend never changes inside a process.
# GPU tensor cores and TPU MXUs are fastest with bfloat16 operands; CPUs gain nothing from bf16.
BACKEND = jax.default_backend()
MATMUL_DTYPE = jnp.float32 if BACKEND == "cpu" else jnp.bfloat16


def f(x, w):
    h = jnp.matmul(x.astype(MATMUL_DTYPE), w.astype(MATMUL_DTYPE), preferred_element_type=jnp.float32)
    h = jnp.maximum(h, 0.0)
    norm = jnp.sqrt(jnp.sum(h * h, axis=-1, keepdims=True))
    return h / jnp.maximum(norm, 1e-6)
