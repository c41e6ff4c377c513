"""The hardware chapter's entry points with the course's generator shape: several noise blocks.

The shipped patch generator re-uploads its noise in blocks (``noise_per_upload``): a noise vector has
``n_uploads * n_qubits`` angles. :func:`~qgan_helpers.hardware.noise.mixed_qnode` and
:func:`~qgan_helpers.hardware.qiskit_bridge.qasm_probabilities` take one such vector and must give the
generator's own probabilities (and, with noise, Aer's). The checks of the hardware and mitigation
chapters' exercises must fail a hard-coded or half-done answer.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgan_helpers.course.checks import exercise
from qgan_helpers.hardware import AerRunner, DepolarizingNoise, mixed_qnode, qasm_probabilities
from qgan_helpers.models import PatchQuantumGenerator


@pytest.fixture(scope="module")
def blocks_gen() -> PatchQuantumGenerator:
    torch.manual_seed(7)
    # 3 qubits, 1 ancilla, 2 sub-generators, depth 4, noise encoded before layers 0 and 2 (latent 6)
    return PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=4, n_generators=2, n_pixels=8, reupload=True,
                                 upload_every=2, noise_per_upload=True)


@pytest.fixture(scope="module")
def z_blocks(blocks_gen: PatchQuantumGenerator) -> torch.Tensor:
    return blocks_gen.sample_noise(3, torch.Generator().manual_seed(1))


def test_blocks_generator_shape(blocks_gen, z_blocks):
    assert blocks_gen.upload_layers == (0, 2) and blocks_gen.latent_dim == 6
    assert tuple(z_blocks.shape) == (3, 6)


def test_mixed_qnode_without_noise_is_the_generator(blocks_gen, z_blocks):
    want = blocks_gen.circuit_probs(z_blocks).detach().numpy()  # (2, 3, 8)
    for g in range(2):
        qnode = mixed_qnode(blocks_gen, DepolarizingNoise(0.0), sub_generator=g)
        for b in range(3):
            np.testing.assert_allclose(qnode(z_blocks[b].double().numpy()), want[g, b], atol=1e-10)


def test_mixed_qnode_with_noise_agrees_with_aer(blocks_gen, z_blocks):
    noise = DepolarizingNoise(p1=0.02, p2=0.06, readout=0.04)
    aer = AerRunner(noise, shots=None).probs(blocks_gen, z_blocks)
    qnode = mixed_qnode(blocks_gen, noise, sub_generator=1)
    for b in range(3):
        np.testing.assert_allclose(qnode(z_blocks[b].numpy()), aer[1, b], atol=1e-10)


def test_mixed_qnode_rejects_a_short_noise_vector(blocks_gen):
    qnode = mixed_qnode(blocks_gen, DepolarizingNoise(0.01), sub_generator=0)
    with pytest.raises(ValueError, match="noise"):
        qnode(np.zeros(3))  # one block only


def test_openqasm_export_with_noise_blocks(blocks_gen, z_blocks):
    qasm, probs = qasm_probabilities(blocks_gen, z_blocks[2], sub_generator=1)
    assert qasm.startswith("OPENQASM 2.0") and qasm.count("ry(") == 2 * 3 + 4 * 3  # 2 encodings + 4 layers
    np.testing.assert_allclose(probs, blocks_gen.circuit_probs(z_blocks).detach().numpy()[1, 2], atol=1e-10)
    with pytest.raises(ValueError, match=r"noise: expected a torch.Tensor of shape \(6,\)"):
        qasm_probabilities(blocks_gen, z_blocks[2, :3], sub_generator=0)


# -- the chapters' exercises: a hard-coded or half-done answer fails --------------------------------
def _status(label, answer):
    return exercise(label).check(answer, verbose=False)


def test_ghz_check_reads_the_circuit_not_only_its_numbers():
    import pennylane as qml

    assert _status("ex-hardware-ghz", None).status == "not yet"
    sol = exercise("ex-hardware-ghz").load_solution()
    hard_coded = lambda p, r: sol(p, r)  # noqa: E731  (right numbers, no circuit to read)
    result = _status("ex-hardware-ghz", hard_coded)
    assert result.status == "not yet" and "QNode" in result.reason

    dev = qml.device("default.mixed", wires=3)

    @qml.qnode(dev)
    def noise_on_one_wire(p, r):  # a CNOT's noise on its target only
        qml.Hadamard(wires=0)
        qml.DepolarizingChannel(p, wires=0)
        for a, b in ((0, 1), (1, 2)):
            qml.CNOT(wires=[a, b])
            qml.DepolarizingChannel(p, wires=b)
        for w in range(3):
            qml.BitFlip(r, wires=w)
        return qml.probs(wires=[0, 1, 2])

    result = _status("ex-hardware-ghz", noise_on_one_wire)
    assert result.status == "not yet" and "5" in result.reason
    assert _status("ex-hardware-ghz", sol).status == "correct"


def test_transpile_check_wants_the_ring_transpiled_for_the_device():
    from qiskit import QuantumCircuit, transpile

    from qgan_helpers.hardware import fake_backend

    def untranspiled(angles, backend_name):
        qc = QuantumCircuit(5)
        for layer in angles:
            for q in range(5):
                qc.ry(float(layer[q]), q)
            for q in range(4):
                qc.cz(q, q + 1)
            qc.cz(4, 0)
        return qc

    result = _status("ex-hardware-transpile", untranspiled)
    assert result.status == "not yet" and "native" in result.reason

    def chain(angles, backend_name):
        qc = QuantumCircuit(5)
        for layer in angles:
            for q in range(5):
                qc.ry(float(layer[q]), q)
            for q in range(4):
                qc.cz(q, q + 1)
        return transpile(qc, backend=fake_backend(backend_name), optimization_level=1, seed_transpiler=0)

    result = _status("ex-hardware-transpile", chain)
    assert result.status == "not yet" and "chain" in result.reason
    assert _status("ex-hardware-transpile", lambda angles, name: 54).status == "not yet"


def test_spsa_check_counts_the_cost_evaluations():
    import numpy as np

    def per_angle(cost, theta, c, rng):  # a finite-difference gradient: 2 evaluations per angle
        theta = np.asarray(theta, dtype=float)
        out = np.zeros_like(theta)
        for i in range(theta.size):
            e = np.zeros_like(theta)
            e[i] = c
            out[i] = (cost(theta + e) - cost(theta - e)) / (2 * c)
        return out

    result = _status("ex-hardware-spsa", per_angle)
    assert result.status == "not yet" and "twice" in result.reason


def test_readout_experiment_rejects_numbers_not_measured_on_the_device():
    import numpy as np

    ideal = np.array([0.5, 0.0, 0.0, 0.5])
    perfect = [np.eye(2), np.eye(2)]
    result = _status("ex-mitigation-readout", lambda: (ideal, perfect, ideal))
    assert result.status == "not yet" and "calibrated readout errors" in result.reason
    noisy = np.array([0.47, 0.03, 0.03, 0.47])
    flip = np.array([[0.97, 0.03], [0.03, 0.97]])
    # "mitigated" that is not the learner's raw with the learner's matrices undone
    result = _status("ex-mitigation-readout", lambda: (noisy, [flip, flip], ideal))
    assert result.status == "not yet" and "your own confusion matrices" in result.reason
