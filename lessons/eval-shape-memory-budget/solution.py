import jax
import numpy as np
import optax


def forward(params, x):
    """The model: returns the logits and every hidden activation (what backprop keeps alive)."""
    acts = []
    h = x
    for layer in params["layers"]:
        h = jax.nn.gelu(h @ layer["w"] + layer["b"])
        acts.append(h)
    logits = h @ params["head"]
    acts.append(logits)
    return logits, acts


def nbytes(tree) -> int:
    """Bytes of every array leaf, computed from shapes and dtypes only."""
    return sum(int(np.prod(leaf.shape)) * np.dtype(leaf.dtype).itemsize for leaf in jax.tree.leaves(tree))


def f(param_specs, x_spec):
    # eval_shape traces the function with abstract values: shapes and dtypes out, no FLOPs, no memory.
    opt_state = jax.eval_shape(optax.adam(1e-3).init, param_specs)
    _, acts = jax.eval_shape(forward, param_specs, x_spec)
    return nbytes(param_specs), nbytes(opt_state), nbytes(acts)
