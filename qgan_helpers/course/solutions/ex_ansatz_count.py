def seed_costs(layers, n_wires):
    """(trainable angles, CNOT gates) of the seed ansatz with `layers` layers on `n_wires` qubits."""
    n_parameters = layers * n_wires * 3  # RX, RY, RZ on every wire in every layer
    n_cnots = layers * (n_wires - 1)  # a CNOT between each neighbouring pair, once per layer
    return n_parameters, n_cnots
