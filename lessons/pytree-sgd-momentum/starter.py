import jax.numpy as jnp
import numpy as np

num_updates = 0  # how many updates we have applied (for logging)


def f(params, grads, velocity):
    """SGD with momentum and global-norm gradient clipping."""
    global num_updates
    lr, beta, max_norm = 0.1, 0.9, 1.0

    # Global gradient norm, computed on the host with NumPy.
    total = 0.0
    for layer in grads:
        for name in grads[layer]:
            total += float(np.sum(np.asarray(grads[layer][name]) ** 2))
    norm = np.sqrt(total)
    scale = min(1.0, max_norm / (norm + 1e-6))

    # Walk the nested dicts by hand.
    new_params, new_velocity = {}, {}
    for layer in params:
        new_params[layer], new_velocity[layer] = {}, {}
        for name in params[layer]:
            v = beta * velocity[layer][name] + scale * grads[layer][name]
            new_velocity[layer][name] = jnp.asarray(v, dtype=jnp.float32)
            new_params[layer][name] = params[layer][name] - lr * new_velocity[layer][name]

    num_updates += 1
    return new_params, new_velocity
