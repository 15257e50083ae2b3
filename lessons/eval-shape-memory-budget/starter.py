import jax
import jax.numpy as jnp
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


def f(param_specs, x_spec):
    """Memory budget in bytes: (parameters, Adam optimizer state, activations of one forward pass)."""
    # Measure by running the model and looking at the results' sizes.
    logits, acts = forward(param_specs, x_spec)
    opt_state = optax.adam(1e-3).init(param_specs)
    param_bytes = sum(p.nbytes for p in jax.tree.leaves(param_specs))
    adam_bytes = sum(s.nbytes for s in jax.tree.leaves(opt_state))
    act_bytes = sum(a.nbytes for a in acts)
    return param_bytes, adam_bytes, act_bytes
