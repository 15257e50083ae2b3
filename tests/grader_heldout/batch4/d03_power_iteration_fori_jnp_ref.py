# Correct (sequential): power iteration for the largest eigenvalue of a symmetric PSD matrix. Each step
# multiplies the PREVIOUS vector by A and renormalises: a true loop-carried dependency, written with
# lax.fori_loop (static trip count, so it lowers to scan). The reference is jnp (eigvalsh): traced, no loop;
# the loop here is still the algorithm, not an unvectorised one.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(A):
    def body(_, v):
        w = A @ v
        return w / jnp.linalg.norm(w)

    v = lax.fori_loop(0, 60, body, jnp.ones(A.shape[0], A.dtype) / jnp.sqrt(A.shape[0]))
    return v @ A @ v


def reference(A):
    return jnp.linalg.eigvalsh(A)[-1]


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    lam = np.concatenate([[10.0 + seed], np.linspace(3.0, 0.5, 11)])
    return (jnp.asarray((q * lam) @ q.T, jnp.float32),)
