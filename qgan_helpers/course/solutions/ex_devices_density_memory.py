def density_matrix_bytes(n_qubits):
    dim = 2**n_qubits  # a density matrix is dim x dim
    return dim * dim * 16  # complex128: 16 bytes per entry
