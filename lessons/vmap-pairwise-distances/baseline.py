import jax.numpy as jnp


def f(x, y):
    """Euclidean distance between every row of x and every row of y: shape (len(x), len(y))."""
    rows = []
    for i in range(x.shape[0]):
        # distances from x[i] to every row of y
        rows.append(jnp.sqrt(jnp.sum((x[i] - y) ** 2, axis=-1)))
    return jnp.stack(rows)
