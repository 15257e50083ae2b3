import jax
import jax.numpy as jnp

L2 = 1e-3


def loss_fn(params, x, y):
    """Logistic-regression loss with L2 penalty. Returns (loss, accuracy): accuracy is a metric."""
    logits = x @ params["w"] + params["b"]
    # log(1 + e^z) - y z, written stably
    nll = jnp.mean(jnp.logaddexp(0.0, logits) - y * logits)
    loss = nll + L2 * jnp.sum(params["w"] ** 2)
    accuracy = jnp.mean((logits > 0) == (y > 0.5))
    return loss, accuracy


def f(params, x, y):
    """One evaluation of the training objective: (loss, grads, accuracy)."""
    grads = jax.grad(loss_fn)(params, x, y)
    loss, accuracy = loss_fn(params, x, y)
    return loss, grads, accuracy
