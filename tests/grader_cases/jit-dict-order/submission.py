"""SGD step pairing tree leaves (sorted keys) with grads.values() (insertion order): wrong pairing."""
import numpy as np
import jax
import jax.numpy as jnp


def f(params, grads, lr):
    leaves, treedef = jax.tree_util.tree_flatten(params)
    new = [p - lr * g for p, g in zip(leaves, grads.values())]
    return jax.tree_util.tree_unflatten(treedef, new)


def reference(params, grads, lr):
    return {k: np.asarray(params[k]) - lr * np.asarray(grads[k]) for k in params}


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    params = {"scale": rng.normal(size=8).astype(np.float32), "shift": rng.normal(size=8).astype(np.float32)}
    grads = {"shift": rng.normal(size=8).astype(np.float32), "scale": rng.normal(size=8).astype(np.float32)}
    return params, grads, 0.1
