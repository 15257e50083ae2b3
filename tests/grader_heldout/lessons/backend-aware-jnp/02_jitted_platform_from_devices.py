import jax
import jax.numpy as jnp

PLATFORM = jax.devices()[0].platform
COMPUTE_DTYPE = {"cpu": jnp.float32}.get(PLATFORM, jnp.bfloat16)


@jax.jit
def f(x, w):
    h = jnp.matmul(x.astype(COMPUTE_DTYPE), w.astype(COMPUTE_DTYPE),
                   preferred_element_type=jnp.float32)
    h = jnp.maximum(h, 0.0)
    norm = jnp.linalg.norm(h, axis=-1, keepdims=True)
    return h / jnp.clip(norm, 1e-6)
