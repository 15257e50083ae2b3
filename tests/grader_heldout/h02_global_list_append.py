# Pitfall: logging the loss into a module-level list from inside the loss function
# (Sharp Bits "pure functions": writes to global state; under jit the list gets one leaked tracer).
import jax, jax.numpy as jnp, numpy as np

loss_history = []

def f(w, x, y):
    pred = x @ w
    loss = jnp.mean((pred - y) ** 2)
    loss_history.append(loss)
    return loss

def reference(w, x, y):
    return jnp.mean((x @ w - y) ** 2)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(4,)), jnp.float32),
            jnp.asarray(rng.normal(size=(16, 4)), jnp.float32),
            jnp.asarray(rng.normal(size=(16,)), jnp.float32))
