import jax


def f(logits):
    # normalise over the examples instead of over the classes
    return jax.nn.log_softmax(logits, axis=0)
