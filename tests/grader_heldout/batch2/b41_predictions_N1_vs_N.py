# Pitfall (shapes): linear-regression predictions returned as (N, 1) (w[:, None]) where the reference
# returns (N,): same numbers, different shape (README correctness: same shapes).
import jax, jax.numpy as jnp, numpy as np

def f(X, w, b):
    return X @ w[:, None] + b

def reference(X, w, b):
    return X @ w + b

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(6, 3)), jnp.float32), jnp.asarray(rng.normal(size=(3,)), jnp.float32),
            jnp.asarray(rng.normal(), jnp.float32))
