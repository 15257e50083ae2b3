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


def f(params, x, y):
    # one forward pass; pull back a cotangent of 1.0 through the scalar loss
    loss, pullback, accuracy = jax.vjp(lambda p: loss_fn(p, x, y), params, has_aux=True)
    (grads,) = pullback(jnp.ones_like(loss))
    return loss, grads, accuracy
