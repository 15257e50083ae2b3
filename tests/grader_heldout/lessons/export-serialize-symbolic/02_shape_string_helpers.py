import jax
import jax.numpy as jnp


def predict(x, w, b):
    return jax.nn.log_softmax(x @ w + b, axis=-1)


def _export_bytes(w, b, n_features):
    x_shape = jax.export.symbolic_shape(f"n, {n_features}")
    exp = jax.export.export(jax.jit(predict))(
        jax.ShapeDtypeStruct(x_shape, jnp.float32),
        jax.ShapeDtypeStruct(w.shape, w.dtype),
        jax.ShapeDtypeStruct(b.shape, b.dtype),
    )
    return exp.serialize()


def _load(payload):
    return jax.export.deserialize(bytearray(payload))


def f(x_small, x_large, w, b):
    served = _load(_export_bytes(w, b, w.shape[0]))
    return tuple(served.call(req, w, b) for req in (x_small, x_large))
