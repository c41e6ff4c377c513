import pennylane as qml


def singlet():
    qml.Hadamard(wires=0)
    qml.CNOT(wires=[0, 1])  # (|00> + |11>) / sqrt(2), the Bell state
    qml.PauliX(wires=1)  # (|01> + |10>) / sqrt(2): the bits now disagree
    qml.PauliZ(wires=0)  # -1 on the part where wire 0 is 1: (|01> - |10>) / sqrt(2)
