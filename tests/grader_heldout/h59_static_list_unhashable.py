# Pitfall: layer sizes passed as a static LIST (run WITH --static-argnums 1): static args must be hashable,
# jax.jit raises "Non-hashable static arguments are not supported". Fix: pass a tuple.
import jax, jax.numpy as jnp, numpy as np

def f(x, sizes):
    out = []
    start = 0
    for s in sizes:
        out.append(x[..., start:start + s].sum(-1))
        start += s
    return jnp.stack(out, -1)

def reference(x, sizes):
    idx = np.cumsum([0] + list(sizes))
    return jnp.stack([x[..., a:b].sum(-1) for a, b in zip(idx[:-1], idx[1:])], -1)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(3, 6)), jnp.float32), [2, 1, 3])
