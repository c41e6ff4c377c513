def shift_variance(c_plus, c_minus, shots):
    """Variance of the parameter-shift estimate (C+ - C-) / 2 when each C is the mean of `shots` +-1 outcomes."""
    var_plus = (1 - c_plus**2) / shots  # variance of the mean of `shots` outcomes at theta + pi/2
    var_minus = (1 - c_minus**2) / shots  # ... and at theta - pi/2 (independent shots)
    return (var_plus + var_minus) / 4  # Var[(a - b) / 2] = (Var[a] + Var[b]) / 4
