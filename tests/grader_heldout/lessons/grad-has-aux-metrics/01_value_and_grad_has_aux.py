import jax
import jax.numpy as jnp

L2 = 1e-3


def loss_fn(params, x, y):
    """Logistic-regression loss with L2 penalty. Returns (loss, accuracy): accuracy is a metric."""
    logits = x @ params["w"] + params["b"]
    nll = jnp.mean(jnp.logaddexp(0.0, logits) - y * logits)
    loss = nll + L2 * jnp.sum(params["w"] ** 2)
    accuracy = jnp.mean((logits > 0) == (y > 0.5))
    return loss, accuracy


loss_grad_and_metrics = jax.value_and_grad(loss_fn, has_aux=True)


def f(params, x, y):
    (loss, acc), grads = loss_grad_and_metrics(params, x, y)
    return loss, grads, acc
