# Correct (prng + sequential): a damped random walk x_t = 0.9 x_{t-1} + 0.1 eps_t, with the key threaded
# through the lax.scan carry and split every step (jax.random docs basic usage: key, subkey = split(key)).
# Both the position and the key feed the next step. No reference.
import jax, jax.numpy as jnp, numpy as np
from jax import lax


def f(x0, key):
    def step(carry, _):
        x, k = carry
        k, sub = jax.random.split(k)
        x = 0.9 * x + 0.1 * jax.random.normal(sub, x.shape)
        return (x, k), x
    return lax.scan(step, (x0, key), None, length=50)[1]


def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(3,)), jnp.float32), jax.random.PRNGKey(seed))
