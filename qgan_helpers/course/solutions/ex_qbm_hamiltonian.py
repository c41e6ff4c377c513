import numpy as np

Z = np.diag([1.0, -1.0])
X = np.array([[0.0, 1.0], [1.0, 0.0]])


def tfim_hamiltonian(b, w, gamma):
    """H = -sum b_i Z_i - sum_{i<j} w_ij Z_i Z_j - gamma sum X_i on n = len(b) qubits."""
    n = len(b)

    def op(single, wire):  # `single` on `wire`, the identity elsewhere; wire 0 leftmost
        out = np.eye(1)
        for k in range(n):
            out = np.kron(out, single if k == wire else np.eye(2))
        return out

    h = np.zeros((2**n, 2**n))
    for i in range(n):
        h -= b[i] * op(Z, i) + gamma * op(X, i)
        for j in range(i + 1, n):
            h -= w[i, j] * op(Z, i) @ op(Z, j)
    return h
