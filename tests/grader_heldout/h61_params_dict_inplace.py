# Pitfall: SGD step that writes the new weights back into the caller's params dict (mutates its input;
# Sharp Bits "pure functions": return new state instead).
import jax, jax.numpy as jnp, numpy as np

def f(params, grads):
    for k in params:
        params[k] = params[k] - 0.1 * grads[k]
    return params

def reference(params, grads):
    return {k: params[k] - 0.1 * grads[k] for k in params}

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    p = {"w": jnp.asarray(rng.normal(size=(3, 2)), jnp.float32), "b": jnp.asarray(rng.normal(size=(2,)), jnp.float32)}
    g = {"w": jnp.asarray(rng.normal(size=(3, 2)), jnp.float32), "b": jnp.asarray(rng.normal(size=(2,)), jnp.float32)}
    return (p, g)
