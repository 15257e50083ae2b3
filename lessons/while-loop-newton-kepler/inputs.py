import numpy as np


def make_args(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    # 256 orbits: mean anomalies in [0, 2 pi) and one eccentricity per orbit.
    mean_anomaly = rng.uniform(0.0, 2.0 * np.pi, 256).astype(np.float32)
    ecc = rng.uniform(0.0, 0.9, 256).astype(np.float32)
    return mean_anomaly, ecc
