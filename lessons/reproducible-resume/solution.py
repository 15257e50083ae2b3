from functools import partial

import jax
import jax.numpy as jnp
import optax

TX = optax.sgd(0.05, momentum=0.9)


def loss_fn(params, xb, yb):
    return jnp.mean((xb @ params["w"] + params["b"] - yb) ** 2)


@partial(jax.jit, static_argnames=("n_steps",))
def run(state, data_key, x, y, n_steps):
    """Train n_steps from `state`. The batch of global step s depends only on (data_key, s)."""

    def step(state, _):
        batch_key = jax.random.fold_in(data_key, state["step"])       # global step, from the state
        idx = jax.random.choice(batch_key, x.shape[0], (32,), replace=False)
        grads = jax.grad(loss_fn)(state["params"], x[idx], y[idx])
        updates, opt_state = TX.update(grads, state["opt_state"], state["params"])
        return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state,
                "step": state["step"] + 1}, None

    state, _ = jax.lax.scan(step, state, length=n_steps)
    return state


def f(key, x, y):
    init_key, data_key = jax.random.split(key)
    params = {"w": 0.1 * jax.random.normal(init_key, (8,)), "b": jnp.zeros(())}
    state0 = {"params": params, "opt_state": TX.init(params), "step": jnp.int32(0)}

    full = run(state0, data_key, x, y, n_steps=8)            # one uninterrupted run

    checkpoint = run(state0, data_key, x, y, n_steps=4)      # a run that stops after 4 steps...
    resumed = run(checkpoint, data_key, x, y, n_steps=4)     # ...and resumes from its checkpoint
    return full["params"], resumed["params"]
