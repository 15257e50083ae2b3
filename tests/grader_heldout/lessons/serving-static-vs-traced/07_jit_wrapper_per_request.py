import jax
import jax.numpy as jnp


def _predict(x, w, b, temperature, k):
    logits = (x @ w + b) / temperature
    return jax.lax.top_k(jax.nn.softmax(logits, axis=-1), k)


def f(x, w, b, temperature, k):
    serve = jax.jit(_predict, static_argnames=("k",))       # built per request
    return serve(x, w, b, temperature, k=k)
