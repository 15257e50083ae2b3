# Correct: the entry is not called f; the learner runs `check --entry loss_fn`. No function named f exists.
import jax, jax.numpy as jnp, numpy as np

def predict(params, x):
    return jnp.tanh(x @ params["w"] + params["b"])

def loss_fn(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)

def reference(params, x, y):
    r = jnp.tanh(jnp.dot(x, params["w"]) + params["b"]) - y
    return jnp.sum(r * r) / r.size

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    params = {"w": jnp.asarray(rng.normal(size=(3, 2)), jnp.float32), "b": jnp.asarray(rng.normal(size=(2,)), jnp.float32)}
    return (params, jnp.asarray(rng.normal(size=(8, 3)), jnp.float32), jnp.asarray(rng.normal(size=(8, 2)), jnp.float32))
