import numpy as np


def postselect_first_wire(probs):
    """Distribution of the other wires given that wire 0 (the ancilla) reads 0."""
    probs = np.asarray(probs, dtype=float)
    kept = probs[: len(probs) // 2]  # wire 0 is the most significant bit: these outcomes have it at 0
    success = kept.sum()  # probability that the ancilla reads 0
    return kept / success  # renormalise: a conditional distribution sums to 1
