import torch


def cz_chain_signs(n_qubits):
    """The diagonal of CZ(0, 1) CZ(1, 2) ... CZ(n-2, n-1): +1 or -1 for every basis state."""
    index = torch.arange(2**n_qubits)[:, None]
    bits = (index >> torch.arange(n_qubits - 1, -1, -1)) & 1  # column 0: wire 0, the most significant bit
    pairs = (bits[:, :-1] * bits[:, 1:]).sum(dim=1)  # neighbouring pairs that are both 1
    return (1 - 2 * (pairs % 2)).double()  # (-1) ** pairs
