"""TD(0) semi-gradient, but the bootstrap target is differentiated too (no stop_gradient)."""
import numpy as np
import jax
import jax.numpy as jnp


def _td_loss(w, phi, r, phi_next, gamma):
    target = r + gamma * phi_next @ w
    return 0.5 * jnp.mean((target - phi @ w) ** 2)


def f(w, phi, r, phi_next, gamma):
    return jax.grad(_td_loss)(w, phi, r, phi_next, gamma)


def reference(w, phi, r, phi_next, gamma):
    w, phi, r, phi_next = (np.asarray(a, np.float64) for a in (w, phi, r, phi_next))
    delta = r + gamma * phi_next @ w - phi @ w
    return -(phi.T @ delta) / len(r)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=(48, 6)).astype(np.float32)
    phi_next = rng.normal(size=(48, 6)).astype(np.float32)
    r = rng.normal(size=48).astype(np.float32)
    w = rng.normal(size=6).astype(np.float32)
    return w, phi, r, phi_next, 0.9
