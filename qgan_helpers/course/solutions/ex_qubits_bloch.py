import pennylane as qml


def bloch_state(theta, phi):
    qml.RY(theta, wires=0)  # tilt from the north pole |0> down by theta, towards +x
    qml.RZ(phi, wires=0)  # then turn about the z axis by phi (a global phase is invisible)
