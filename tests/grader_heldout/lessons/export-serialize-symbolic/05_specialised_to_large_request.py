import jax
from jax import export


def predict(x, w, b):
    return jax.nn.log_softmax(x @ w + b, axis=-1)


def f(x_small, x_large, w, b):
    # export for the biggest request we expect
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in (x_large, w, b)]
    exported = export.export(jax.jit(predict))(*specs)
    served = export.deserialize(exported.serialize())
    return served.call(x_small, w, b), served.call(x_large, w, b)
