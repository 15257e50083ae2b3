import jax.numpy as jnp


def f(x, n):
    # Fixed shapes: a (128,) mask instead of an (n, 32) slice. n stays a traced value, so one
    # compiled program serves every length.
    valid = jnp.arange(x.shape[0]) < n
    total = jnp.sum(jnp.where(valid[:, None], x, 0.0), axis=0)
    return total / jnp.maximum(n, 1).astype(x.dtype)
