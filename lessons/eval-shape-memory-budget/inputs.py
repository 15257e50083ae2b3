import jax
import jax.numpy as jnp

# Abstract descriptions of a model too big to allocate here (several GB), exactly what
# jax.eval_shape(init_fn, key) hands you in production. No array data exists.
_CONFIGS = [
    # (batch, d_in, d_hidden, n_layers, n_classes, param dtype)
    (2048, 1024, 8192, 4, 1000, jnp.float32),
    (4096, 512, 8192, 4, 32000, jnp.bfloat16),
    (1024, 2048, 6144, 8, 10, jnp.float32),
]


def make_args(seed: int) -> tuple:
    batch, d_in, d_hidden, n_layers, n_classes, dtype = _CONFIGS[seed % len(_CONFIGS)]
    S = jax.ShapeDtypeStruct
    layers = []
    d = d_in
    for _ in range(n_layers):
        layers.append({"w": S((d, d_hidden), dtype), "b": S((d_hidden,), dtype)})
        d = d_hidden
    param_specs = {"layers": layers, "head": S((d_hidden, n_classes), dtype)}
    x_spec = S((batch, d_in), dtype)
    return param_specs, x_spec
