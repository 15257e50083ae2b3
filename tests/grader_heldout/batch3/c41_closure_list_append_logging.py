# Pitfall (purity): the loss is also appended to a closure-captured list "for plotting later". The output
# is right, but appending is a side effect: under jit it runs once per trace and stores a tracer
# (Sharp Bits "pure functions"; UnexpectedTracerError docs).
import jax, jax.numpy as jnp, numpy as np

def make_loss():
    losses = []
    def loss(w, x, y):
        l = jnp.mean((x @ w - y) ** 2)
        losses.append(l)
        return l
    return loss

f = make_loss()

def reference(w, x, y):
    return jnp.mean((x @ w - y) ** 2)

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(3,)), jnp.float32), jnp.asarray(rng.normal(size=(10, 3)), jnp.float32),
            jnp.asarray(rng.normal(size=(10,)), jnp.float32))
