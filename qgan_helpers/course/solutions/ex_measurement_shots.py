import math


def shots_needed(expval, target_error):
    """Smallest number of shots whose standard error of <Z> is at most target_error."""
    variance = 1.0 - expval**2  # variance of one +-1 outcome
    return max(1, math.ceil(variance / target_error**2))
