import numpy as np


def reduced_dm(state, k):
    M = np.asarray(state).reshape(2, 2)  # rows: bit of wire 0, columns: bit of wire 1
    if k == 1:
        M = M.T  # make wire k the rows
    return M @ M.conj().T  # sum over the other wire's index
