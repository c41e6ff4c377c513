import numpy as np
import pennylane as qml


def amplitude_probabilities(z):
    """Amplitude-encode z (length 2**n) on n qubits and return the 2**n measurement probabilities."""
    z = np.asarray(z, dtype=float)
    n = int(np.log2(len(z)))
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        qml.StatePrep(z / np.linalg.norm(z), wires=range(n))  # amplitudes must be normalised
        return qml.probs(wires=range(n))

    return circuit()
