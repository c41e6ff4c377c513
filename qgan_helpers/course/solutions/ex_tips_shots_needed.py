import math


def shots_needed(c_plus, c_minus, tolerance):
    """Fewest shots per shifted circuit for a parameter-shift gradient with standard deviation <= tolerance."""
    one_shot_variance = ((1 - c_plus**2) + (1 - c_minus**2)) / 4  # Var of the estimate with 1 shot each
    return max(1, math.ceil(one_shot_variance / tolerance**2))  # Var / shots <= tolerance**2
