# Correct: jax.debug.print with format kwargs in a plain function (documented runtime print; prints on every
# call, also under jit). Not a purity problem.
import jax, jax.numpy as jnp, numpy as np

def f(x, w):
    h = jnp.tanh(x @ w)
    jax.debug.print("hidden mean {m:.3f}, max {M:.3f}", m=h.mean(), M=h.max())
    return h

def reference(x, w):
    return jnp.tanh(x @ w)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(5, 4)), jnp.float32), jnp.asarray(rng.normal(size=(4, 3)), jnp.float32))
