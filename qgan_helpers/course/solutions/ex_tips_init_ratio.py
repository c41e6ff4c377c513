from qgan_helpers.quantum.gradients import gradient_samples


def variance_ratio(n_qubits, layers, draws, seed):
    """Var of dC/dtheta_0 (global cost, patch circuit) with small angles over that with uniform ones."""
    variances = {}
    for offset, init in enumerate(("small", "uniform")):
        grads = gradient_samples(
            n_qubits, layers, ansatz="patch", init=init, cost="global",
            draws=draws, scale=0.1, seed=seed + offset,  # independent draws for each
        )
        variances[init] = grads[:, 0].var()  # column 0: the first angle (layer 1, wire 0)
    return float(variances["small"] / variances["uniform"])
