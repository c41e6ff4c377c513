import numpy as np


def unflip(measured, r):
    """Undo a bit flip with probability r on every wire of measured probabilities (PennyLane's order)."""
    measured = np.asarray(measured, dtype=float)
    n = int(np.log2(measured.size))
    flip = np.array([[1 - r, r], [r, 1 - r]])  # flip[m, s]: read m when the bit is s
    inverse = np.linalg.inv(flip)
    full = np.ones((1, 1))
    for _ in range(n):
        full = np.kron(full, inverse)  # the same inverse on every wire
    p = np.clip(full @ measured, 0, None)  # undo, then drop negative quasi-probabilities
    return p / p.sum()
