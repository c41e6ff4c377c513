import torch


def apply_gate(states, matrices, wire, n_qubits):
    """Row b of `states` (B, 2**n_qubits) times the gate `matrices[b]` (2, 2) on `wire`."""
    batch = states.shape[0]
    # the wire's bit gets its own axis: (bits before it, the bit, bits after it)
    psi = states.reshape(batch, 2**wire, 2, 2 ** (n_qubits - wire - 1))
    psi = torch.einsum("bij,bajc->baic", matrices, psi)  # one batched product for all rows
    return psi.reshape(batch, 2**n_qubits)
