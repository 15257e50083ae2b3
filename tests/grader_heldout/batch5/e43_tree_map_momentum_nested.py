"""SGD with momentum over a nested params dict with jax.tree.map (returns new trees)."""
import numpy as np
import jax
import jax.numpy as jnp


def f(params, grads, velocity, lr, mu):
    velocity = jax.tree.map(lambda v, g: mu * v + g, velocity, grads)
    params = jax.tree.map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity


def reference(params, grads, velocity, lr, mu):
    new_v = {l: {k: mu * np.asarray(velocity[l][k]) + np.asarray(grads[l][k]) for k in velocity[l]} for l in velocity}
    new_p = {l: {k: np.asarray(params[l][k]) - lr * new_v[l][k] for k in params[l]} for l in params}
    return new_p, new_v


def _tree(rng):
    return {
        "dense": {"w": rng.normal(size=(4, 8)).astype(np.float32), "b": rng.normal(size=8).astype(np.float32)},
        "out": {"w": rng.normal(size=(8, 2)).astype(np.float32), "b": rng.normal(size=2).astype(np.float32)},
    }


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return _tree(rng), _tree(rng), _tree(rng), 0.05, 0.9
