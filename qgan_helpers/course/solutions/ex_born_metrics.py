import numpy as np


def kl_and_chi(p, q):
    """KL(p || q) in nats and the valid rate chi (the model's mass on the data's support)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0  # terms with p(x) = 0 contribute nothing to KL(p || q)
    kl = np.sum(p[support] * np.log(p[support] / q[support]))
    chi = np.sum(q[support])
    return float(kl), float(chi)
