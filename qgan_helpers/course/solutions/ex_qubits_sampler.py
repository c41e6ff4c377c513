import numpy as np


def born_samples(state, shots, rng):
    probs = np.abs(state) ** 2  # the Born rule
    n = int(np.log2(len(state)))
    outcomes = rng.choice(len(state), size=shots, p=probs)  # indices 0 .. 2**n - 1
    powers = 2 ** np.arange(n - 1, -1, -1)  # wire 0 is the most significant bit
    return (outcomes[:, None] // powers) % 2  # shape (shots, n)
