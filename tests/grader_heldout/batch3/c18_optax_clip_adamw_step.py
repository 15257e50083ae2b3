# Correct: a full train step with a module-level optax chain (clip_by_global_norm + adamw): grads by
# jax.value_and_grad, tx.update, optax.apply_updates; params, opt_state and loss returned. The reference uses
# the analytic gradient of the linear least-squares loss and the same transformation.
import jax, jax.numpy as jnp, numpy as np
import optax

tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-2, weight_decay=1e-4))

def f(params, opt_state, x, y):
    def loss_fn(p):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

def reference(params, opt_state, x, y):
    r = x @ params["w"] + params["b"] - y
    grads = {"w": 2.0 * x.T @ r / r.size, "b": 2.0 * r.sum(axis=0) / r.size}
    updates, opt_state = tx.update(grads, opt_state, params)
    new = {k: params[k] + updates[k] for k in params}
    return new, opt_state, jnp.mean(r ** 2)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    params = {"w": jnp.asarray(rng.normal(size=(4, 1)), jnp.float32), "b": jnp.zeros((1,), jnp.float32)}
    x = jnp.asarray(rng.normal(size=(32, 4)), jnp.float32)
    y = jnp.asarray(rng.normal(size=(32, 1)), jnp.float32)
    return (params, tx.init(params), x, y)
