# Pitfall: logging the loss with the `logging` module inside the function: a side effect like print; under
# jit it runs once at trace time and logs a tracer. Fix: jax.debug.print / return the value.
import logging
import jax, jax.numpy as jnp, numpy as np

log = logging.getLogger("train")

def f(pred, target):
    loss = jnp.mean((pred - target) ** 2)
    log.warning("loss = %s", loss)
    return loss

def reference(pred, target):
    return jnp.mean((pred - target) ** 2)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(16,)), jnp.float32), jnp.asarray(rng.normal(size=(16,)), jnp.float32))
