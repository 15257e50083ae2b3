# Pitfall: a dropout helper called for two layers with the SAME key (the reuse is hidden behind a helper).
import jax, jax.numpy as jnp, numpy as np

def dropout(key, x, rate=0.1):
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)

def f(params, x, key):
    h = dropout(key, jax.nn.relu(x @ params["w1"]))
    return dropout(key, h @ params["w2"])

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    params = {"w1": jnp.asarray(rng.normal(size=(4, 8)), jnp.float32), "w2": jnp.asarray(rng.normal(size=(8, 8)), jnp.float32)}
    return (params, jnp.asarray(rng.normal(size=(3, 4)), jnp.float32), jax.random.key(seed))
