# The lesson's make_args builds NumPy arrays; a learner who clips each row's logits through `x.at[...]`
# and reads rows with a traced index (inside lax.map) writes code that works on the jax.Array a JAX caller
# passes: the grader must pass the inputs the same way (inputs_as = "jax", the default).
import jax
import jax.numpy as jnp


def f(x, w):
    x = x.at[:, :].set(jnp.clip(x, -1e4, 1e4))
    return jax.lax.map(lambda i: jax.nn.softplus(x[i] @ w), jnp.arange(x.shape[0]))
