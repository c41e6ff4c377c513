import pennylane as qml

dev = qml.device("default.mixed", wires=3)


@qml.qnode(dev)
def noisy_ghz(p, r):
    """A GHZ state with depolarizing noise p after every gate and readout flips r."""
    qml.Hadamard(wires=0)
    qml.DepolarizingChannel(p, wires=0)
    for a, b in ((0, 1), (1, 2)):
        qml.CNOT(wires=[a, b])
        qml.DepolarizingChannel(p, wires=a)  # a noisy CNOT disturbs both of its qubits
        qml.DepolarizingChannel(p, wires=b)
    for w in range(3):
        qml.BitFlip(r, wires=w)  # readout errors
    return qml.probs(wires=[0, 1, 2])
