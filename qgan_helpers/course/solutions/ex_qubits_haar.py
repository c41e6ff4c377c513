import numpy as np


def haar_fidelities(n_qubits, n_pairs, rng):
    shape = (2, n_pairs, 2**n_qubits)  # two states per pair
    z = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    a, b = z / np.linalg.norm(z, axis=-1, keepdims=True)
    return np.abs(np.sum(a.conj() * b, axis=-1)) ** 2  # |<a|b>|^2 for every pair
