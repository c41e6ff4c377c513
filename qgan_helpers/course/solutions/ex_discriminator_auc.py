import numpy as np


def auc(real_scores, fake_scores) -> float:
    """P(a random real image scores higher than a random fake), ties counting 1/2."""
    diff = np.asarray(real_scores, dtype=float)[:, None] - np.asarray(fake_scores, dtype=float)[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())
