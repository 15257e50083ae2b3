# Pitfall (retrace): the learning rate of an SGD-with-momentum step is marked static (run with
# --static-argnums 3) and follows a decay schedule, so every call brings a new float: a new compilation cache
# entry each call (jax.jit docs: static arguments are part of the cache key). The reference makes the same
# choice; that does not make it right (issue 10 item 3). Fix: pass lr as a traced scalar.
import jax, jax.numpy as jnp, numpy as np


def f(w, v, g, lr):
    v = 0.9 * v + g
    return w - lr * v, v


def reference(w, v, g, lr):
    v = 0.9 * v + g
    return w - lr * v, v


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    w, v, g = (jnp.asarray(rng.normal(size=(32,)), jnp.float32) for _ in range(3))
    return w, v, g, 0.1 * 0.95**seed
