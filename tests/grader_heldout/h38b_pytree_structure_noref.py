# Pitfall (no reference variant of h38): batch dict gains a "mask" key on odd calls -> new pytree structure, compiles again.
# of jit's cache key, so each structure compiles again (jit docs: recompilation on new pytree structure).
import jax, jax.numpy as jnp, numpy as np

def f(batch):
    x = batch["x"]
    if "mask" in batch:
        x = x * batch["mask"]
    return x.sum(axis=-1)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    batch = {"x": jnp.asarray(rng.normal(size=(4, 6)), jnp.float32)}
    if seed % 2 == 1:
        batch["mask"] = jnp.asarray(rng.uniform(size=(4, 6)) > 0.2, jnp.float32)
    return (batch,)
