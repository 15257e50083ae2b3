from functools import partial

import jax
import jax.numpy as jnp


@partial(jax.jit, static_argnames=("k",))
def _predict(x, w, b, temperature, k):
    logits = (x @ w + b) / temperature
    return jax.lax.top_k(jax.nn.softmax(logits, axis=-1), k)


def f(x, w, b, temperature, k):
    if temperature <= 0:                                   # request validation
        raise ValueError(f"temperature must be positive, got {temperature}")
    return _predict(x, w, b, temperature, k=k)
