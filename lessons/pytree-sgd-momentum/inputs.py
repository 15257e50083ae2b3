import numpy as np

SHAPES = {
    "encoder": {"w": (32, 64), "b": (64,)},
    "head": {"w": (64, 10), "b": (10,)},
}


def _tree(rng, scale):
    return {
        layer: {name: (scale * rng.standard_normal(shape)).astype(np.float32) for name, shape in leaves.items()}
        for layer, leaves in SHAPES.items()
    }


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    params = _tree(rng, 0.1)
    # Gradient scale varies per call so some updates are clipped (norm > 1) and some are not.
    grads = _tree(rng, float(rng.uniform(0.002, 0.05)))
    velocity = _tree(rng, 0.01)
    return params, grads, velocity
