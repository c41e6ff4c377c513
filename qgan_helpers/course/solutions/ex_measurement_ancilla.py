import numpy as np
import pennylane as qml
import torch

from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz
from qgan_helpers.quantum.devices import make_qnode
from qgan_helpers.quantum.measurement import postselect, to_pixels


def fit_error(n_qubits, n_ancillas, seed, target):
    """Fit 4 sub-generators (n_qubits wires, n_ancillas of them post-selected) to target (4, 16)."""

    def circuit(z, weights):
        angle_encoding(z, n_qubits)
        patch_ansatz(weights, n_qubits)  # depth 6 of RY + CZ
        return qml.probs(wires=range(n_qubits))

    qnode = make_qnode(circuit, wires=n_qubits, diff_method="backprop")
    rng = np.random.default_rng(seed)
    z = torch.tensor(rng.uniform(0, np.pi / 2, n_qubits)).expand(4, n_qubits)
    weights = torch.tensor(rng.uniform(0, np.pi, (4, 6, n_qubits)), requires_grad=True)
    optimiser = torch.optim.Adam([weights], lr=0.1)

    def loss():
        image = to_pixels(postselect(qnode(z, weights), n_ancillas))  # (4, 16)
        return ((image - target) ** 2).mean()

    for _ in range(60):
        optimiser.zero_grad()
        loss().backward()
        optimiser.step()
    with torch.no_grad():
        return float(loss())
