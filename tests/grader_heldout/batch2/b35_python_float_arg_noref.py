# Correct: the learning rate is a Python float with a new value each call: traced as a weakly typed f32
# scalar, so values changing do not recompile (jit caches on shape/dtype/weak_type). No reference.
import jax, jax.numpy as jnp, numpy as np

def f(w, g, lr):
    return w - lr * g

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8,)), jnp.float32), jnp.asarray(rng.normal(size=(8,)), jnp.float32),
            0.1 * 0.9 ** seed)
