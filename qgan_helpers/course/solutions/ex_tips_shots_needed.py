import math

import numpy as np


def batch_shots(c_plus, c_minus, tolerance):
    """Fewest shots per shifted circuit for a batch-mean parameter-shift gradient with std <= tolerance.

    c_plus[b], c_minus[b]: the exact shifted expectation values of sample b of the batch.
    """
    c_plus, c_minus = np.asarray(c_plus), np.asarray(c_minus)
    one_shot = ((1 - c_plus**2) + (1 - c_minus**2)) / 4  # Var of sample b's estimate with 1 shot each
    batch = len(one_shot)
    # the batch mean: Var = sum_b (one_shot[b] / S) / B**2 <= tolerance**2
    return max(1, math.ceil(one_shot.sum() / (batch**2 * tolerance**2)))
