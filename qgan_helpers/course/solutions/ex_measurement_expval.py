import numpy as np


def expval_from_bits(bits):
    """Estimate <Z> of one qubit from its sampled bits (0 or 1, one per shot)."""
    bits = np.asarray(bits)
    eigenvalues = 1 - 2 * bits  # bit 0 -> Z = +1, bit 1 -> Z = -1
    return float(eigenvalues.mean())
