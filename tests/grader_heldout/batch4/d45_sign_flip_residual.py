# Pitfall (correctness, sign flip): gradient of 0.5*||Xw - y||^2 written as X.T @ (y - Xw): exactly the
# negative of the reference everywhere. Expected diagnostic: sign flip (issue 10 item 7).
import jax, jax.numpy as jnp, numpy as np


def f(w, X, y):
    return X.T @ (y - X @ w)


def reference(w, X, y):
    return X.T @ (X @ w - y)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return tuple(jnp.asarray(a, jnp.float32) for a in (rng.normal(size=(6,)), rng.normal(size=(30, 6)), rng.normal(size=(30,))))
