import jax.numpy as jnp


def f(xs):
    """Bias-corrected exponential moving average of xs along axis 0 (time)."""
    beta = 0.9
    m = jnp.zeros_like(xs[0])
    beta_pow = 1.0
    out = []
    for t in range(xs.shape[0]):
        m = beta * m + (1.0 - beta) * xs[t]
        beta_pow = beta_pow * beta
        out.append(m / (1.0 - beta_pow))
    return jnp.stack(out)
