from qiskit import QuantumCircuit, transpile

from qgan_helpers.hardware import fake_backend


def transpile_ring(angles, backend_name):
    """The ring-entangled layers with these angles, (depth, 5), transpiled for a fake backend."""
    depth, n = angles.shape
    qc = QuantumCircuit(n)
    for layer in angles:
        for q in range(n):
            qc.ry(float(layer[q]), q)
        for q in range(n - 1):
            qc.cz(q, q + 1)
        qc.cz(n - 1, 0)  # the closing CZ makes the chain a ring
    backend = fake_backend(backend_name)
    return transpile(qc, backend=backend, optimization_level=1, seed_transpiler=0)
