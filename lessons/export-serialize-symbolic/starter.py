import jax
from jax import export


def predict(x, w, b):
    return jax.nn.log_softmax(x @ w + b, axis=-1)


def f(x_small, x_large, w, b):
    """Export predict, ship it as bytes, load it back, and serve two requests of different sizes."""
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in (x_small, w, b)]
    exported = export.export(jax.jit(predict))(*specs)
    payload = exported.serialize()            # bytes: what you would write to disk or a model store

    served = export.deserialize(payload)      # ... in the serving process
    return served.call(x_small, w, b), served.call(x_large, w, b)
