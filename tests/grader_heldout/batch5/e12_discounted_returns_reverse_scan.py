"""Discounted returns G_t = r_t + gamma * G_{t+1}: lax.scan with reverse=True."""
import numpy as np
import jax
import jax.numpy as jnp


def f(rewards, gamma):
    def step(g, r):
        g = r + gamma * g
        return g, g

    _, returns = jax.lax.scan(step, jnp.zeros((), rewards.dtype), rewards, reverse=True)
    return returns


def reference(rewards, gamma):
    out = np.zeros(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = float(rewards[t]) + gamma * g
        out[t] = g
    return out


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=100).astype(np.float32), 0.95
