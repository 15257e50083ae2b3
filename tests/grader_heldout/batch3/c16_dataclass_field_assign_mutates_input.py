# Pitfall (purity): params in a (non-frozen) dataclass registered with jax.tree_util.register_dataclass;
# the update assigns the new weights to the caller's object (p.w = ...) instead of returning a new one.
# The caller's params change (eagerly), while under jit they do not (Sharp Bits "pure functions").
import dataclasses
import jax, jax.numpy as jnp, numpy as np

@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Params:
    w: jax.Array
    b: jax.Array

def f(p, g):
    p.w = p.w - 0.1 * g.w
    p.b = p.b - 0.1 * g.b
    return p

def reference(p, g):
    return Params(w=p.w - 0.1 * g.w, b=p.b - 0.1 * g.b)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: jnp.asarray(rng.normal(size=s), jnp.float32)
    return (Params(r(4, 2), r(2)), Params(r(4, 2), r(2)))
