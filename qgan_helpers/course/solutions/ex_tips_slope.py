import numpy as np


def fitted_slope(x, y):
    """Exponent a of a power law y ~ x**a: the least-squares slope of log(y) against log(x)."""
    slope, _intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)
