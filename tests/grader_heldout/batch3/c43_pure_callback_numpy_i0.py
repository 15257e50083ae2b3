# Correct: a deterministic host NumPy function (modified Bessel I0) called through jax.pure_callback with
# its result shape/dtype declared (External callbacks docs); equals jnp.i0.
import jax, jax.numpy as jnp, numpy as np

def _host_i0(x):
    return np.i0(x).astype(x.dtype)

def f(x):
    return jax.pure_callback(_host_i0, jax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method="broadcast_all")

def reference(x):
    return jnp.i0(x)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).uniform(-3, 3, size=(12,)), jnp.float32),)
