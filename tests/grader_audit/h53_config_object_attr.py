# Pitfall: hyper-parameters on a module-level config object whose ATTRIBUTE the training script changes
# (cfg.weight_decay schedule). jit freezes the value read at trace time (FAQ "jit changes the behavior").
import jax, jax.numpy as jnp, numpy as np

class Config:
    weight_decay = 1e-2

cfg = Config()

def f(w, g):
    return w - 0.1 * (g + cfg.weight_decay * w)

def example_args(seed=0):
    cfg.weight_decay = 1e-2 * (seed + 1)       # schedule updates the shared config
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(8,)), jnp.float32), jnp.asarray(rng.normal(size=(8,)), jnp.float32))
