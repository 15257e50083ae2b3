# Pitfall (purity): the optimizer state lives in a module global that the step reads and rewrites
# (`global _opt_state`): hidden state, a write to a module global, leaked tracers under jit. Fix: pass
# opt_state in and return it. No reference.
import jax, jax.numpy as jnp, numpy as np
import optax

tx = optax.adam(1e-2)
_opt_state = None

def f(params, grads):
    global _opt_state
    if _opt_state is None:
        _opt_state = tx.init(params)
    updates, _opt_state = tx.update(grads, _opt_state, params)
    return optax.apply_updates(params, updates)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: jnp.asarray(rng.normal(size=s), jnp.float32)
    return ({"w": r(3, 2), "b": r(2)}, {"w": r(3, 2), "b": r(2)})
