# Pitfall: Gaussian noise augmentation drawn from a fresh unseeded NumPy Generator inside the function:
# hidden RNG state; jit bakes one draw in as a constant (Sharp Bits "Random numbers").
import jax, jax.numpy as jnp, numpy as np

def f(x):
    rng = np.random.default_rng()
    noise = rng.normal(scale=0.1, size=x.shape).astype(np.float32)
    return x + noise

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
