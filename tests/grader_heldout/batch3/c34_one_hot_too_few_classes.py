# Pitfall (correctness): label-smoothed targets with num_classes=9 for labels 0..9 (max label mistaken for the
# class count): shape (N, 9) instead of (N, 10), and label 9 becomes an all-zero row (jax.nn.one_hot docs:
# out-of-range indices give zeros).
import jax, jax.numpy as jnp, numpy as np

NUM_CLASSES = 9   # labels go up to 9

def f(labels):
    eps = 0.1
    return jax.nn.one_hot(labels, NUM_CLASSES) * (1 - eps) + eps / NUM_CLASSES

def reference(labels):
    return jax.nn.one_hot(labels, 10) * 0.9 + 0.01

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).integers(0, 10, size=(16,)), jnp.int32),)
