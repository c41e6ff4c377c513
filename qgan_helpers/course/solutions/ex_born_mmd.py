import numpy as np


def mmd2_bits(p, q, sigma):
    """Exact squared MMD of two distributions over n-bit strings, RBF kernel on the Hamming distance."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    n = int(np.log2(len(p)))
    k = np.arange(2**n)
    bits = (k[:, None] >> np.arange(n - 1, -1, -1)) & 1  # row k = bit string of index k
    hamming = (bits[:, None, :] != bits[None, :, :]).sum(-1)
    kernel = np.exp(-hamming / (2 * sigma**2))
    d = p - q
    return float(d @ kernel @ d)
