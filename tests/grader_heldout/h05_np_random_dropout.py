# Pitfall: dropout mask drawn with NumPy's global RNG inside the function
# (Sharp Bits "Random numbers": hidden state; under jit the mask is baked in as a constant).
import jax, jax.numpy as jnp, numpy as np

def f(x):
    mask = np.random.rand(*x.shape) > 0.5
    return jnp.where(mask, x / 0.5, 0.0)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(32,)), jnp.float32),)
