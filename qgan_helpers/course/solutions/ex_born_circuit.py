import pennylane as qml


def qcbm_circuit(weights, rows, cols):
    """The QCBM on a rows x cols pixel grid; weights has shape (layers, rows * cols, 3)."""
    horizontal = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    vertical = [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    for layer in range(weights.shape[0]):
        for wire in range(rows * cols):
            qml.Rot(*weights[layer, wire], wires=wire)
        for control, target in horizontal + vertical:  # neighbouring pixels
            qml.CNOT(wires=[control, target])
