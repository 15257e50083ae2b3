from functools import partial

import jax
import jax.numpy as jnp


@partial(jax.jit, static_argnums=4)
def f(x, w, b, temperature, k):
    scores = jnp.matmul(x, w) + b
    probs = jax.nn.softmax(scores / temperature, axis=-1)
    top_p, top_i = jax.lax.top_k(probs, k)
    return top_p, top_i
