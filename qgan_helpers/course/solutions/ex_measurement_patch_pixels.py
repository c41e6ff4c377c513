import numpy as np


def patch_pixels(probs, n_ancillas):
    """The pixels of one patch from the raw probabilities of its sub-generator's n wires.

    The ancillas are the first n_ancillas (most significant) wires, so the outcomes in which
    every ancilla reads 0 are the first 2**(n - n_ancillas) entries.
    """
    probs = np.asarray(probs, dtype=float)
    kept = probs[: len(probs) // 2**n_ancillas]  # post-select: all ancillas read 0
    conditional = kept / kept.sum()  # renormalise by the success probability ...
    return conditional / conditional.max()  # ... which the max mapping cancels again
