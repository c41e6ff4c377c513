import numpy as np


def extrapolate(scales, values):
    """Value at noise scale 0 of the polynomial through all points (scale, value): Richardson extrapolation."""
    scales = np.asarray(scales, dtype=float)
    values = np.asarray(values, dtype=float)
    total = 0.0
    for i, s_i in enumerate(scales):
        others = np.delete(scales, i)
        weight = np.prod(others / (others - s_i))  # Lagrange basis polynomial i evaluated at 0
        total += weight * values[i]
    return float(total)
