import jax
import jax.numpy as jnp
import optax

NUM_STEPS = 30


def make_optimizer():
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=0.1, warmup_steps=5, decay_steps=NUM_STEPS, end_value=0.001)
    tx = optax.chain(
        optax.clip_by_global_norm(max_norm=1.0),
        optax.adamw(learning_rate=schedule, weight_decay=1e-4),
    )
    return tx, schedule


def mse(params, x, y):
    return jnp.mean(jnp.square(x @ params["w"] + params["b"] - y))


@jax.jit
def f(x, y):
    tx, schedule = make_optimizer()
    params = {"b": jnp.zeros((), jnp.float32), "w": jnp.zeros((x.shape[1],), jnp.float32)}
    losses = jnp.zeros(NUM_STEPS, jnp.float32)

    def body(i, state):
        params, opt_state, losses = state
        loss, grads = jax.value_and_grad(mse)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, opt_state, losses.at[i].set(loss)

    params, _, losses = jax.lax.fori_loop(0, NUM_STEPS, body, (params, tx.init(params), losses))
    lrs = jax.vmap(schedule)(jnp.arange(NUM_STEPS))
    return params, losses, lrs
