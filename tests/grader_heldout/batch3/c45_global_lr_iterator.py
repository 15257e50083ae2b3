# Pitfall (purity): the learning rate comes from next() on a module-level generator (an LR schedule as an
# iterator). Each call consumes hidden global state; under jit the first value is frozen in.
# Fix: compute lr from a step argument (optax schedules are functions of the step). No reference.
import itertools
import jax, jax.numpy as jnp, numpy as np

_lr_schedule = (0.1 * 0.9 ** t for t in itertools.count())

def f(w, g):
    lr = next(_lr_schedule)
    return w - lr * g

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(5,)), jnp.float32), jnp.asarray(rng.normal(size=(5,)), jnp.float32))
