from functools import partial

import jax
import jax.numpy as jnp
import optax

TX = optax.sgd(0.05, momentum=0.9)


def loss_fn(params, xb, yb):
    return jnp.mean((xb @ params["w"] + params["b"] - yb) ** 2)


@partial(jax.jit, static_argnames=("n_steps",))
def run(state, data_key, x, y, n_steps):
    """Train n_steps from `state` (params and optimizer state)."""

    def step(state, i):
        batch_key = jax.random.fold_in(data_key, i)                    # a different batch every step
        idx = jax.random.choice(batch_key, x.shape[0], (32,), replace=False)
        grads = jax.grad(loss_fn)(state["params"], x[idx], y[idx])
        updates, opt_state = TX.update(grads, state["opt_state"], state["params"])
        return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state}, None

    state, _ = jax.lax.scan(step, state, jnp.arange(n_steps))
    return state


def f(key, x, y):
    """Train 8 steps in one go, and 4 + 4 with a checkpoint in between; return both final params."""
    init_key, data_key = jax.random.split(key)
    params = {"w": 0.1 * jax.random.normal(init_key, (8,)), "b": jnp.zeros(())}
    state0 = {"params": params, "opt_state": TX.init(params)}

    full = run(state0, data_key, x, y, n_steps=8)            # one uninterrupted run

    checkpoint = run(state0, data_key, x, y, n_steps=4)      # a run that stops after 4 steps...
    resumed = run(checkpoint, data_key, x, y, n_steps=4)     # ...and resumes from its checkpoint
    return full["params"], resumed["params"]
