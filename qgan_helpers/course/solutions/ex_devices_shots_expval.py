import numpy as np


def expval_from_samples(samples):
    z = 1 - 2 * np.asarray(samples)  # bit 0 -> +1, bit 1 -> -1
    return float(z.mean())
