import pennylane as qml


def batch_expvals(angles, dev):
    @qml.qnode(dev)
    def circuit(theta):
        qml.RY(theta, wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit(angles)  # one call: theta carries a batch dimension
