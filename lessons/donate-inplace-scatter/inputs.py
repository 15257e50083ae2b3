import jax.numpy as jnp
import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    vocab, dim, batch = 2048, 64, 256
    # The embedding table lives on the device, as it would in training.
    table = jnp.asarray(rng.standard_normal((vocab, dim)).astype(np.float32))
    # Token ids of one batch: a skewed distribution, so frequent tokens repeat within the batch.
    ids = jnp.asarray(np.minimum(rng.zipf(1.3, batch) - 1, vocab - 1).astype(np.int32))
    grads = jnp.asarray(rng.standard_normal((batch, dim)).astype(np.float32))
    return table, ids, grads
