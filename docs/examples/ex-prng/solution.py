import jax


def f(x, key):
    ka, kb = jax.random.split(key)
    return x + jax.random.normal(ka, x.shape) + jax.random.normal(kb, x.shape)
