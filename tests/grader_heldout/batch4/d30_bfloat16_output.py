# Pitfall (correctness/dtype): the learner casts to bfloat16 "for speed" and returns bfloat16 where the
# reference is float32 (jnp). bf16 keeps ~3 significant digits (docs "Default dtypes": bfloat16 discards
# the least significant bits), so dtype differs and values miss the float32 tolerance.
import jax, jax.numpy as jnp, numpy as np


def f(x, w):
    return jnp.tanh(x.astype(jnp.bfloat16) @ w.astype(jnp.bfloat16))


def reference(x, w):
    return jnp.tanh(x @ w)


def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(16, 32)), jnp.float32), jnp.asarray(rng.normal(size=(32, 8)) * 0.2, jnp.float32))
