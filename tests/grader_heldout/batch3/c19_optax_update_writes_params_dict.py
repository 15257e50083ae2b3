# Pitfall (purity): optax update computed correctly, but the new weights are written back into the caller's
# params dict (PyTorch optimizer.step() habit) instead of optax.apply_updates returning a new pytree.
import jax, jax.numpy as jnp, numpy as np
import optax

tx = optax.adam(1e-2)

def f(params, grads, opt_state):
    updates, opt_state = tx.update(grads, opt_state, params)
    for k in params:
        params[k] = params[k] + updates[k]
    return params, opt_state

def reference(params, grads, opt_state):
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: jnp.asarray(rng.normal(size=s), jnp.float32)
    params = {"w": r(3, 2), "b": r(2)}
    return (params, {"w": r(3, 2), "b": r(2)}, tx.init(params))
