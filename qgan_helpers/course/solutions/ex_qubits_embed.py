import numpy as np


def gate_on_wire(U, k, n):
    matrix = np.eye(1)
    for wire in range(n):  # wire 0 first: it is the leftmost factor (most significant bit)
        matrix = np.kron(matrix, U if wire == k else np.eye(2))
    return matrix
