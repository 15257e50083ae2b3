import jax


def f(x, key):
    a = jax.random.normal(key, x.shape)
    b = jax.random.normal(key, x.shape)  # the same key again: b == a
    return x + a + b
