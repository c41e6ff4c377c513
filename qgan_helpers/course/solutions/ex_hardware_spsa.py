import numpy as np


def spsa_gradient(cost, theta, c, rng):
    """One SPSA estimate of the gradient of cost at theta: two evaluations, any number of angles."""
    delta = rng.choice([-1.0, 1.0], size=len(theta))  # one random direction for all angles
    theta = np.asarray(theta, dtype=float)
    slope = (cost(theta + c * delta) - cost(theta - c * delta)) / (2 * c)
    return slope * delta
