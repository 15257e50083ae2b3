# Pitfall (jit): Python `if` on a traced value inside a @jax.jit-decorated entry. Because the entry is
# already jitted, even the plain call raises TracerBoolConversionError (Sharp Bits "control flow").
import jax, jax.numpy as jnp, numpy as np

@jax.jit
def f(x, max_abs):
    m = jnp.abs(x).max()
    if m > max_abs:
        x = x * (max_abs / m)
    return x

def reference(x, max_abs):
    m = jnp.abs(x).max()
    return jnp.where(m > max_abs, x * (max_abs / m), x)

def example_args(seed=0):
    return (jnp.asarray(3.0 * np.random.default_rng(seed).normal(size=(10,)), jnp.float32), 2.0)
