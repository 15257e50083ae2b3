# Pitfall (purity): a BatchNorm-like callable object that updates self.running_mean/var on every call
# (PyTorch habit). Writing the learner's own object's attributes is a side effect; under jit the stored values
# are leaked tracers (Sharp Bits "pure functions": return new state instead).
import jax, jax.numpy as jnp, numpy as np

class BatchNormTrain:
    def __init__(self, dim, momentum=0.9):
        self.momentum = momentum
        self.running_mean = jnp.zeros((dim,), jnp.float32)
        self.running_var = jnp.ones((dim,), jnp.float32)

    def __call__(self, x):
        mean, var = x.mean(axis=0), x.var(axis=0)
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return (x - mean) / jnp.sqrt(var + 1e-5)

f = BatchNormTrain(3)

def reference(x):
    return (x - x.mean(0)) / jnp.sqrt(x.var(0) + 1e-5)

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(size=(16, 3)), jnp.float32),)
