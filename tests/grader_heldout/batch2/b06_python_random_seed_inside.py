# Pitfall: re-seeding Python's global `random` module inside the function "for reproducibility": it uses
# Python RNG (hidden global state), resets the RNG of the whole program as a side effect, and the jitter
# is the same on every call. Fix: take a jax.random key argument.
import random
import jax, jax.numpy as jnp, numpy as np

def f(x):
    random.seed(1234)
    shift = random.uniform(-0.1, 0.1)
    return x + shift

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(8,)), jnp.float32),)
