import jax
import jax.numpy as jnp


def _serve(x, w, b, temperature, k):
    logits = (x @ w + b) / temperature
    return jax.lax.top_k(jax.nn.softmax(logits, axis=-1), k)


_serve_jit = jax.jit(_serve, static_argnums=(4,))


def f(x, w, b, temperature, k):
    # hand the temperature over as a float32 scalar array: one program for all temperatures
    return _serve_jit(x, w, b, jnp.asarray(temperature, dtype=jnp.float32), k)
