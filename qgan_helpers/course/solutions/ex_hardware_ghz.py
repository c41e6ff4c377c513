import pennylane as qml

ghz_dev = qml.device("default.mixed", wires=3)


@qml.qnode(ghz_dev)
def noisy_ghz(p, r):
    """A GHZ state with depolarizing noise p after every gate and readout flips r."""
    qml.Hadamard(wires=0)
    qml.DepolarizingChannel(p, wires=0)  # the Hadamard was a little noisy
    for a, b in ((0, 1), (1, 2)):
        qml.CNOT(wires=[a, b])
        qml.DepolarizingChannel(p, wires=a)  # a noisy CNOT disturbs both of its qubits
        qml.DepolarizingChannel(p, wires=b)
    for w in range(3):
        qml.BitFlip(r, wires=w)  # readout errors on every wire
    return qml.probs(wires=[0, 1, 2])
