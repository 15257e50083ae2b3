# Pitfall (vectorization): per-example cross-entropy in a method that loops over the batch in Python;
# jit unrolls one log_softmax per row. Fix: log_softmax(logits) + take_along_axis (or vmap).
import jax, jax.numpy as jnp, numpy as np

class Evaluator:
    def per_example_loss(self, logits, labels):
        losses = []
        for i in range(logits.shape[0]):
            losses.append(-jax.nn.log_softmax(logits[i])[labels[i]])
        return jnp.stack(losses)

f = Evaluator().per_example_loss

def reference(logits, labels):
    return -jnp.take_along_axis(jax.nn.log_softmax(logits, axis=-1), labels[:, None], axis=-1)[:, 0]

def example_args(seed=0):
    rng = np.random.default_rng(seed)
    return (jnp.asarray(rng.normal(size=(24, 5)), jnp.float32), jnp.asarray(rng.integers(0, 5, size=(24,)), jnp.int32))
