import numpy as np


def class_coverage(predictions, min_count=1):
    """How many of the ten digits were predicted at least min_count times."""
    counts = np.bincount(np.asarray(predictions, dtype=int).ravel(), minlength=10)
    return int((counts >= min_count).sum())
