import numpy as np


def one_qubit_p0(b, gamma):
    """P(bit 0) of a one-qubit QBM with H = -b Z - gamma X, rho = exp(-H) / Tr exp(-H).

    exp(b Z + gamma X) = cosh(D) I + sinh(D) (b Z + gamma X) / D with D = sqrt(b**2 + gamma**2),
    so rho = (I + tanh(D) (b Z + gamma X) / D) / 2 and P(0) = <0|rho|0> = (1 + b tanh(D) / D) / 2.
    """
    d = np.hypot(b, gamma)
    if d == 0:
        return 0.5
    return float(0.5 * (1 + b * np.tanh(d) / d))
