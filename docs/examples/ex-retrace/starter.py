from functools import partial

import jax


@partial(jax.jit, static_argnames=("scale",))
def f(x, scale):
    return x * scale
