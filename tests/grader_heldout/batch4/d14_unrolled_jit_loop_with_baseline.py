# Pitfall (vectorization): the learner's "speed fix" is @jax.jit on the unchanged Python loop over rows
# (pairwise distances row by row, stacked). Values are right; the loop is unrolled into 64 copies at trace
# time (jax.lax.scan docs). Baseline: the same loop without jit. Whether this earns a speedup depends on
# what the baseline is timed as and whether compile time counts (issue 10 item 2), so speedup is not
# asserted; vectorization is. Run with --min-speedup 3.
import jax, jax.numpy as jnp, numpy as np


def _rows(x):
    out = []
    for i in range(x.shape[0]):
        out.append(jnp.sum((x[i] - x) ** 2, axis=-1))
    return jnp.stack(out)


f = jax.jit(_rows)


def reference(x):
    return jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)


def baseline(x):
    return _rows(x)


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(64, 8)), jnp.float32),)
