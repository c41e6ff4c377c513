import pennylane as qml


def fold_ops(ops, scale):
    """Global unitary folding: ops -> ops + (inverse ops + ops) * k for scale = 2k + 1."""
    k = (scale - 1) // 2
    inverse = [qml.adjoint(op) for op in reversed(ops)]  # C^-1: the adjoints in reverse order
    return list(ops) + (inverse + list(ops)) * k
