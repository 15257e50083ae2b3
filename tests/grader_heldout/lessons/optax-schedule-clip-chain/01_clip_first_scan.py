import jax
import jax.numpy as jnp
import optax

SCHEDULE = optax.warmup_cosine_decay_schedule(
    init_value=0.0, peak_value=0.1, warmup_steps=5, decay_steps=30, end_value=0.001)
# clip the raw gradients first, then AdamW
TX = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(SCHEDULE, weight_decay=1e-4))


def loss_fn(params, x, y):
    pred = x @ params["w"] + params["b"]
    return jnp.mean((pred - y) ** 2)


def f(x, y):
    params = {"w": jnp.zeros(4, jnp.float32), "b": jnp.zeros((), jnp.float32)}

    def step(carry, _):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = TX.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    (params, _), losses = jax.lax.scan(step, (params, TX.init(params)), length=30)
    return params, losses, SCHEDULE(jnp.arange(30))
