import numpy as np


def mw_entanglement(state):
    """Meyer-Wallach Q = 2 (1 - mean_k Tr(rho_k^2)) of one normalised n-qubit state vector."""
    state = np.asarray(state, dtype=complex)
    n = int(np.log2(len(state)))
    psi = state.reshape((2,) * n)  # one axis per qubit, qubit 0 first
    purities = []
    for k in range(n):
        m = np.moveaxis(psi, k, 0).reshape(2, -1)  # qubit k as rows, all the others as columns
        rho = m @ m.conj().T  # reduced density matrix of qubit k (2 x 2)
        purities.append(np.real(np.trace(rho @ rho)))
    return float(2 * (1 - np.mean(purities)))
