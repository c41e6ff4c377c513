import pennylane as qml

from qgan_helpers.quantum.circuits import angle_encoding, seed_ansatz
from qgan_helpers.quantum.measurement import probs

dev = qml.device("default.qubit", wires=4)


@qml.qnode(dev)
def fixed_generator(z, weights):
    angle_encoding(z, 4)  # the latent vector enters the circuit: RY(z_i) on wire i
    seed_ansatz(weights, 4)  # then the seed's trained RX RY RZ + CNOT layers
    return probs(4)  # 16 probabilities (a 4x4 image after to_pixels)
