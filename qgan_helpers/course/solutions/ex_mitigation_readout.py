import numpy as np
import pennylane as qml

from qgan_helpers.hardware import fake_backend_device


def bell_on_manila(shots=4000):
    """A Bell pair on the simulated ibmq_manila: raw probabilities, confusion matrices, mitigated."""
    dev = fake_backend_device("FakeManilaV2", wires=2, seed=0)

    @qml.set_shots(shots=shots)
    @qml.qnode(dev)
    def bell():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.probs(wires=[0, 1])

    @qml.set_shots(shots=shots)
    @qml.qnode(dev)
    def calibration(prepare_ones):
        if prepare_ones:  # both wires in 1
            qml.PauliX(wires=0)
            qml.PauliX(wires=1)
        return qml.probs(wires=0), qml.probs(wires=1)

    raw = np.asarray(bell())
    read_0, read_1 = calibration(False), calibration(True)
    # column s of wire j: what wire j reads when it was prepared in s
    confusion = [np.column_stack([read_0[j], read_1[j]]) for j in range(2)]
    inverse = np.kron(np.linalg.inv(confusion[0]), np.linalg.inv(confusion[1]))
    mitigated = np.clip(inverse @ raw, 0, None)
    return raw, confusion, mitigated / mitigated.sum()
