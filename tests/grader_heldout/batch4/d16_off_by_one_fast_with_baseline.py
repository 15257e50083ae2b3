# Pitfall (correctness), fast: a causal moving sum of window 4 computed with cumsum differences, but the
# window is off by one (cs[k:] - cs[:-k] aligned so each output covers x[t-4..t-1] instead of x[t-3..t]).
# Vectorised and fast, but wrong: speedup must be skipped. Baseline: a NumPy loop over time.
# Run with --min-speedup 3.
import jax, jax.numpy as jnp, numpy as np

K = 4


def f(x):
    cs = jnp.concatenate([jnp.zeros((K + 1,), x.dtype), jnp.cumsum(x)])
    return (cs[K:-1] - cs[: -K - 1])


def reference(x):
    cs = jnp.concatenate([jnp.zeros((K,), x.dtype), jnp.cumsum(x)])
    return cs[K:] - cs[:-K]


def baseline(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    for t in range(x.shape[0]):
        out[t] = x[max(0, t - K + 1) : t + 1].sum()
    return out


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(5000,)), jnp.float32),)
