# Correct: jax.lax.stop_gradient inside a grad-based computation (TD-style target).
import jax, jax.numpy as jnp, numpy as np

def f(w, x, y):
    def loss(w):
        target = jax.lax.stop_gradient(x @ w) * 0.5 + y
        return jnp.mean((x @ w - target) ** 2)
    return jax.grad(loss)(w)

def reference(w, x, y):
    pred = x @ w
    target = pred * 0.5 + y
    return 2.0 * x.T @ (pred - target) / pred.shape[0]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(3,)), jnp.float32), jnp.asarray(rng.normal(size=(8, 3)), jnp.float32),
            jnp.asarray(rng.normal(size=(8,)), jnp.float32))
