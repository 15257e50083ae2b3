# Correct: one SGD-with-momentum step with a module-level optax optimizer (a constant GradientTransformation);
# state is passed in and returned. Reference writes the momentum update by hand.
import jax, jax.numpy as jnp, numpy as np
import optax

_opt = optax.sgd(0.1, momentum=0.9)

def f(params, grads, opt_state):
    updates, opt_state = _opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

def reference(params, grads, opt_state):
    trace = jax.tree.map(lambda g, t: g + 0.9 * t, grads, opt_state[0].trace)
    new_params = jax.tree.map(lambda p, t: p - 0.1 * t, params, trace)
    return new_params, (opt_state[0]._replace(trace=trace),) + tuple(opt_state[1:])

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: jnp.asarray(rng.normal(size=s), jnp.float32)
    params = {"w": r(3, 4), "b": r(4)}
    grads = {"w": r(3, 4), "b": r(4)}
    state = _opt.init(params)
    state = (state[0]._replace(trace={"w": r(3, 4), "b": r(4)}),) + tuple(state[1:])
    return (params, grads, state)
