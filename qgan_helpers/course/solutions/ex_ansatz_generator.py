import pennylane as qml

from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz


def patch_generator_probs(z, weights):
    """Huang et al.'s sub-generator: RY(z_i) on every wire, then the patch layers; all 2**n probabilities."""
    n = len(z)
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        angle_encoding(z, n, rotation="Y")  # the latent noise becomes RY angles
        patch_ansatz(weights, n)  # weights: shape (depth, n)
        return qml.probs(wires=range(n))

    return circuit()
