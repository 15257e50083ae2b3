import jax
import jax.numpy as jnp
import optax

steps_done = 0                 # total steps trained, for the dashboard


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


def f(key, x, y):
    """Train the MLP for 5 steps on random batches of 32 with dropout; return (losses, params)."""
    global steps_done
    x, y = jnp.asarray(x), jnp.asarray(y)
    tx = optax.adam(1e-2)
    init_key, key = jax.random.split(key)
    params = init_params(init_key)
    opt_state = tx.init(params)

    @jax.jit
    def train_step(params, opt_state, key):
        batch_key, dropout_key = jax.random.split(key)
        idx = jax.random.choice(batch_key, x.shape[0], (32,), replace=False)
        loss, grads = jax.value_and_grad(loss_fn)(params, dropout_key, x[idx], y[idx])
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for _ in range(5):
        params, opt_state, loss = train_step(params, opt_state, key)
        losses.append(loss)
        steps_done += 1
    return jnp.stack(losses), params
