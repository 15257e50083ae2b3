# Replaces a function of a guarded module while the grader calls f (not at import), after deleting another.
# The guard compares after every phase, by identity: it must name both, whatever the objects' __eq__ says.
import jax
import jax.numpy as jnp


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0

    def __call__(self, *args, **kwargs):
        return jnp.asarray(0.0)


def f(x):
    if hasattr(jax.numpy, "zeros_like"):
        del jax.numpy.zeros_like
    jax.numpy.asarray = AlwaysEqual()
    jax.numpy.my_helper = 1  # added names are fine
    return x * 2


def example_args(seed=0):
    return (jnp.ones(3),)
