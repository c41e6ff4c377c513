import pennylane as qml

from qgan_helpers.quantum.devices import make_qnode


def bell_probabilities():
    def circuit():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.probs(wires=[0, 1])

    qnode = make_qnode(circuit, device="default.qubit", wires=2)  # shots=None: exact probabilities
    return qnode()
