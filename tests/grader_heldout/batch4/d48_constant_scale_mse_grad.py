# Pitfall (correctness, constant scale): gradient of mean((pred - y)^2) w.r.t. pred written without the
# factor 2: every element is exactly half the reference. Expected diagnostic: constant scale factor 0.5.
import jax, jax.numpy as jnp, numpy as np


def f(pred, y):
    return (pred - y) / pred.size


def reference(pred, y):
    return jax.grad(lambda p: jnp.mean((p - y) ** 2))(pred)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8, 4)), jnp.float32), jnp.asarray(rng.normal(size=(8, 4)), jnp.float32))
