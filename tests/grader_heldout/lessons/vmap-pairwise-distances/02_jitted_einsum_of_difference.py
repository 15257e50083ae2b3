import jax
import jax.numpy as jnp


@jax.jit
def f(x, y):
    diff = x[:, None, :] - y[None, :, :]          # (64, 128, 16)
    sq = jnp.einsum("ijk,ijk->ij", diff, diff)
    return jnp.sqrt(sq)
