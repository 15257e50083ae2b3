# Pitfall: hyper-parameters in a module-level dict whose CONTENTS the training script changes
# (the name is never rebound). jit freezes CONFIG["temperature"] at trace time (FAQ "jit changes the behavior").
import jax, jax.numpy as jnp, numpy as np

CONFIG = {"temperature": 1.0}

def f(logits):
    return jax.nn.log_softmax(logits / CONFIG["temperature"])

def example_args(seed=0):
    CONFIG["temperature"] = 1.0 / (1 + seed)      # annealing schedule
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(10,)), jnp.float32),)
