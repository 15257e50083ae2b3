# Pitfall (vectorization): a lax.while_loop with an index counter that clips each row of a batch to its own
# L-inf norm budget, one row per iteration. Rows are independent; the only carried things are the counter
# and the output buffer. One broadcast (jnp.clip with a (N,1) bound) does it. Reference: jnp.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x, bound):
    def cond(c):
        return c[0] < x.shape[0]

    def body(c):
        i, out = c
        return i + 1, out.at[i].set(jnp.clip(x[i], -bound[i], bound[i]))

    return lax.while_loop(cond, body, (0, jnp.zeros_like(x)))[1]


def reference(x, bound):
    return jnp.clip(x, -bound[:, None], bound[:, None])


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(25, 7)), jnp.float32), jnp.asarray(rng.uniform(0.2, 1.5, size=(25,)), jnp.float32))
