# Correct: the entry is an instance of a small class with __call__ (RMSNorm); its attributes are set once
# in __init__ and only read afterwards.
import jax, jax.numpy as jnp, numpy as np

class RMSNorm:
    def __init__(self, dim, eps=1e-6):
        self.eps = eps
        self.scale = jnp.linspace(0.5, 1.5, dim, dtype=jnp.float32)

    def __call__(self, x):
        rms = jnp.sqrt(jnp.mean(x * x, axis=-1, keepdims=True) + self.eps)
        return x / rms * self.scale

f = RMSNorm(8)

def reference(x):
    return x * jax.lax.rsqrt(jnp.mean(x ** 2, axis=-1, keepdims=True) + 1e-6) * jnp.linspace(0.5, 1.5, 8)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(4, 8)), jnp.float32),)
