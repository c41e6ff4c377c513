import math

import numpy as np
import torch


def shift_gradient(f, weights):
    """The gradient of the scalar f at weights, from circuit runs only (the parameter-shift rule)."""
    grad = torch.zeros_like(weights)
    for index in np.ndindex(weights.shape):  # every angle, one at a time
        shift = torch.zeros_like(weights)
        shift[index] = math.pi / 2
        grad[index] = (f(weights + shift) - f(weights - shift)) / 2  # exact, not a finite difference
    return grad
