import jax
import jax.numpy as jnp

EPS = 1e-6


@jax.custom_vjp
def l2_normalize(x):
    """Row-wise x / sqrt(sum(x**2) + EPS)."""
    return x / jnp.sqrt(jnp.sum(x * x, axis=-1, keepdims=True) + EPS)


def _fwd(x):
    norm = jnp.sqrt(jnp.sum(x * x, axis=-1, keepdims=True) + EPS)
    y = x / norm
    return y, (y, norm)          # save the output and the norm: no need to keep x


def _bwd(residuals, g):
    y, norm = residuals
    # d/dx (x / n) applied to g: (g - y * <g, y>) / n
    return ((g - y * jnp.sum(g * y)) / norm,)


l2_normalize.defvjp(_fwd, _bwd)


def f(x):
    """L2-normalise each row of x: float32[16, 8] -> float32[16, 8]."""
    return l2_normalize(x)
