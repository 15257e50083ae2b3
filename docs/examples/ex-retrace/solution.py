import jax


@jax.jit
def f(x, scale):  # a Python float argument is traced (a weakly typed f32 scalar)
    return x * scale
