from functools import partial

import jax
import jax.numpy as jnp
import optax

TX = optax.adam(1e-2)          # built once: a new transform per call would defeat jit's cache


def init_params(key):
    k1, k2 = jax.random.split(key)
    return {"w1": 0.3 * jax.random.normal(k1, (8, 32)), "b1": jnp.zeros(32),
            "w2": 0.2 * jax.random.normal(k2, (32, 1)), "b2": jnp.zeros(1)}


def loss_fn(params, dropout_key, xb, yb):
    h = jax.nn.relu(xb @ params["w1"] + params["b1"])
    keep = jax.random.bernoulli(dropout_key, 0.9, h.shape)
    h = jnp.where(keep, h / 0.9, 0.0)
    pred = (h @ params["w2"] + params["b2"])[:, 0]
    return jnp.mean((pred - yb) ** 2)


@partial(jax.jit, donate_argnums=(0, 1))   # compiled once, at module level; params/opt_state buffers reused
def train_step(params, opt_state, key, x, y):
    batch_key, dropout_key = jax.random.split(key)       # one fresh key per use
    idx = jax.random.choice(batch_key, x.shape[0], (32,), replace=False)   # fixed batch shape
    loss, grads = jax.value_and_grad(loss_fn)(params, dropout_key, x[idx], y[idx])
    updates, opt_state = TX.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


def f(key, x, y):
    init_key, key = jax.random.split(key)
    params = init_params(init_key)
    opt_state = TX.init(params)
    losses = []
    for _ in range(5):
        key, step_key = jax.random.split(key)             # thread the key: never reuse one
        params, opt_state, loss = train_step(params, opt_state, step_key, x, y)
        losses.append(loss)
    return jnp.stack(losses), params                      # metrics are returned, not printed or stored
