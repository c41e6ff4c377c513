"""Tests of qgan_helpers.hardware: Qiskit bridge, noise models, Aer runner, mitigation, evaluation (offline)."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.hardware import (
    AerRunner,
    DepolarizingNoise,
    apply_confusion,
    counts_to_probs,
    device_probs,
    extrapolate_to_zero,
    fake_backend,
    fake_backend_device,
    fake_backend_names,
    fold_circuit,
    images_from_probs,
    mitigate_readout,
    mixed_qnode,
    mmd2_on_device,
    patch_angles,
    patch_circuit,
    qasm_probabilities,
    qiskit_probabilities,
    sample_on_device,
    to_distribution,
)
from qgan_helpers.hardware.qiskit_bridge import tape_to_qiskit
from qgan_helpers.models import PatchQuantumGenerator
from qgan_helpers.training import CHECKPOINTS_DIR, generate


@pytest.fixture(scope="module")
def small_gen() -> PatchQuantumGenerator:
    torch.manual_seed(0)
    return PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=2, n_generators=2, n_pixels=8)


@pytest.fixture(scope="module")
def noise3(small_gen) -> torch.Tensor:
    return small_gen.sample_noise(3, torch.Generator().manual_seed(1))


def _ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


# -- the Qiskit bridge --------------------------------------------------------------------------
def test_qiskit_circuit_matches_pennylane(small_gen, noise3):
    qc, theta = patch_circuit(small_gen, measure=False)
    assert len(theta) == 3 * (2 + 1) and dict(qc.count_ops())["cz"] == 2 * 2
    got = qiskit_probabilities(qc, theta, patch_angles(small_gen, noise3))
    want = small_gen.circuit_probs(noise3).detach().numpy().reshape(-1, 8)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_qiskit_circuit_matches_numpy_two_qubits():
    torch.manual_seed(3)
    gen = PatchQuantumGenerator(n_qubits=2, n_ancillas=0, depth=1, n_generators=1, n_pixels=4)
    z = torch.tensor([[0.4, 1.1]], dtype=torch.float64)
    w = gen.weights.detach().double().numpy()[0, 0]
    # independent NumPy: RY(z) RY(w) on each wire (wire 0 = most significant), then CZ
    state = np.kron(_ry(0.4 + w[0]) @ [1, 0], _ry(1.1 + w[1]) @ [1, 0])
    state = np.diag([1, 1, 1, -1]) @ state
    qc, theta = patch_circuit(gen, measure=False)
    got = qiskit_probabilities(qc, theta, patch_angles(gen, z)[0])
    np.testing.assert_allclose(got, state**2, atol=1e-12)


def test_openqasm_export_gives_same_probabilities(small_gen, noise3):
    qasm, probs = qasm_probabilities(small_gen, noise3[1], sub_generator=1)
    assert qasm.startswith("OPENQASM 2.0")
    want = small_gen.circuit_probs(noise3).detach().numpy()[1, 1]
    np.testing.assert_allclose(probs, want, atol=1e-10)


def test_bridge_bad_inputs(small_gen, noise3):
    with pytest.raises(TypeError, match="generator: expected a PatchQuantumGenerator, got Linear"):
        patch_circuit(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="sub_generator: expected an integer in 0..1, got 5"):
        qasm_probabilities(small_gen, noise3[0], sub_generator=5)
    with pytest.raises(ValueError, match=r"noise: expected a torch.Tensor of shape \(3,\)"):
        qasm_probabilities(small_gen, noise3, sub_generator=0)
    qc, theta = patch_circuit(small_gen, measure=False)
    with pytest.raises(ValueError, match=r"angles: expected shape \(9,\) or \(N, 9\), got \(4,\)"):
        qiskit_probabilities(qc, theta, np.zeros(4))
    tape = qml.tape.QuantumScript([qml.Toffoli(wires=[0, 1, 2])])
    with pytest.raises(NotImplementedError, match="Toffoli: no Qiskit translation"):
        tape_to_qiskit(tape, 3, 0)


# -- noise models -------------------------------------------------------------------------------
def test_default_mixed_and_aer_agree(small_gen, noise3):
    noise = DepolarizingNoise(p1=0.03, p2=0.08, readout=0.05)
    aer = AerRunner(noise, shots=None).probs(small_gen, noise3)  # (G, B, 8)
    for g in range(2):
        qnode = mixed_qnode(small_gen, noise, sub_generator=g)
        for b in range(3):
            np.testing.assert_allclose(qnode(noise3[b].double().numpy()), aer[g, b], atol=1e-10)


def test_full_depolarizing_is_uniform(small_gen):
    qnode = mixed_qnode(small_gen, DepolarizingNoise(0.75, readout=0.5))
    np.testing.assert_allclose(qnode(np.array([0.3, 1.0, 0.2])), np.full(8, 1 / 8), atol=1e-12)


def test_readout_noise_is_a_confusion_matrix(small_gen, noise3):
    r = 0.1
    got = AerRunner(DepolarizingNoise(0.0, readout=r), shots=None).probs(small_gen, noise3)
    ideal = small_gen.circuit_probs(noise3).detach().numpy()
    flip = np.array([[1 - r, r], [r, 1 - r]])
    full = np.kron(np.kron(flip, flip), flip)  # independent NumPy: the 8x8 channel
    np.testing.assert_allclose(got, ideal @ full.T, atol=1e-10)


def test_noise_bad_inputs(small_gen):
    with pytest.raises(ValueError, match=r"p1: expected a number in \[0, 0.75\], got -0.1"):
        DepolarizingNoise(-0.1)
    with pytest.raises(TypeError, match=r"p2: expected a number in \[0, 0.75\]"):
        DepolarizingNoise(0.1, p2="big")
    with pytest.raises(ValueError, match=r"readout: expected a number in \[0, 0.5\], got 0.6"):
        DepolarizingNoise(0.0, readout=0.6)
    with pytest.raises(TypeError, match="noise: expected a DepolarizingNoise, got float"):
        mixed_qnode(small_gen, 0.1)
    with pytest.raises(ValueError, match="name: expected a fake backend such as"):
        fake_backend("FakeNowhereV2")
    with pytest.raises(TypeError, match="name: expected a fake backend class name"):
        fake_backend(5)
    with pytest.raises(ValueError, match="wires: expected an integer in 1..5 for FakeManilaV2, got 6"):
        fake_backend_device("FakeManilaV2", wires=6)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0, got -2"):
        fake_backend_device("FakeManilaV2", wires=2, seed=-2)


def test_fake_backend_pennylane_device_runs_a_bell_pair():
    assert "FakeManilaV2" in fake_backend_names() and fake_backend("FakeLimaV2").num_qubits == 5
    dev = fake_backend_device("FakeManilaV2", wires=2, seed=1)

    @qml.set_shots(shots=2000)
    @qml.qnode(dev)
    def bell():
        qml.Hadamard(0)
        qml.CNOT(wires=[0, 1])
        return qml.probs(wires=[0, 1])

    p = np.asarray(bell())
    assert abs(p.sum() - 1) < 1e-9
    assert 0.85 < p[0] + p[3] < 1.0  # mostly correlated, but the device is noisy
    assert abs(p[0] - p[3]) < 0.1


# -- mitigation ---------------------------------------------------------------------------------
def test_apply_confusion_matches_kronecker_product():
    rng = np.random.default_rng(0)
    mats = [np.array([[0.9, 0.2], [0.1, 0.8]]), np.eye(2), np.array([[0.7, 0.0], [0.3, 1.0]])]
    p = rng.dirichlet(np.ones(8), size=4)
    full = np.kron(np.kron(mats[0], mats[1]), mats[2])
    np.testing.assert_allclose(apply_confusion(p, mats), p @ full.T, atol=1e-14)
    np.testing.assert_allclose(mitigate_readout(p @ full.T, mats), p, atol=1e-12)


def test_extrapolation_is_exact_for_polynomials():
    true = np.array([0.6, 0.3, 0.1, 0.0])
    slope = np.array([-0.05, 0.0, 0.02, 0.03])
    probs = [true + s * slope for s in (1, 3)]
    np.testing.assert_allclose(extrapolate_to_zero([1, 3], probs), true, atol=1e-12)
    curve = np.array([0.01, -0.01, 0.0, 0.0])
    probs = [true + s * slope + s * s * curve for s in (1, 3, 5)]
    np.testing.assert_allclose(extrapolate_to_zero([1, 3, 5], probs, order=2), true, atol=1e-12)
    # a quasi-probability is projected back: the line through [0.9, 0.1] and [0.6, 0.4] hits [1.05, -0.05] at 0
    np.testing.assert_allclose(extrapolate_to_zero([1, 3], [[0.9, 0.1], [0.6, 0.4]]), [1.0, 0.0], atol=1e-12)


def test_mitigation_bad_inputs():
    with pytest.raises(ValueError, match="matrices: expected a list of 2 .2, 2. confusion matrices, one per wire, got 1"):
        apply_confusion(np.full(4, 0.25), [np.eye(2)])
    with pytest.raises(ValueError, match="matrices: expected invertible confusion matrices, matrix 0 is singular"):
        mitigate_readout(np.full(2, 0.5), [np.full((2, 2), 0.5)])
    with pytest.raises(ValueError, match="probs: expected a last dimension of 2\\*\\*n_wires"):
        apply_confusion(np.ones(3) / 3, [np.eye(2)])
    with pytest.raises(ValueError, match="scales: expected at least two distinct finite scale factors"):
        extrapolate_to_zero([1, 1], [np.ones(2) / 2] * 2)
    with pytest.raises(ValueError, match="order: expected an integer in 1..1 for 2 scales, got 2"):
        extrapolate_to_zero([1, 3], [np.ones(2) / 2] * 2, order=2)
    with pytest.raises(ValueError, match="probs: expected one array per scale .2., got 1"):
        extrapolate_to_zero([1, 3], [np.ones(2) / 2])
    with pytest.raises(ValueError, match="values: expected each vector to have a positive entry"):
        to_distribution([-1.0, -0.5])


# -- the runner ---------------------------------------------------------------------------------
def test_fold_circuit_keeps_the_unitary(small_gen):
    from qiskit.quantum_info import Operator

    qc, theta = patch_circuit(small_gen, measure=False)
    bound = qc.assign_parameters(dict(zip(theta, np.linspace(0.1, 0.9, len(theta)))))
    folded = fold_circuit(bound, 3)
    gates = [i for i in folded.data if i.operation.name != "barrier"]
    assert len(gates) == 3 * len(bound.data)
    assert Operator(folded).equiv(Operator(bound))
    with pytest.raises(ValueError, match="scale: expected an odd positive integer .1, 3, 5, ...., got 2"):
        fold_circuit(bound, 2)


def test_counts_to_probs_uses_pennylane_order():
    np.testing.assert_allclose(counts_to_probs([{"001": 2, "100": 2}], 3), [[0, 0.5, 0, 0, 0.5, 0, 0, 0]])


def test_runner_shots_match_exact_probabilities(small_gen, noise3):
    noise = DepolarizingNoise(0.02, 0.05, readout=0.03)
    exact = AerRunner(noise, shots=None).probs(small_gen, noise3)
    runner = AerRunner(noise, shots=4000, seed=3)
    sampled = runner.probs(small_gen, noise3)
    assert runner.executions == 6
    sd = np.sqrt(exact * (1 - exact) / 4000)
    assert np.all(np.abs(sampled - exact) <= 5 * sd + 1e-9)
    mats = AerRunner(DepolarizingNoise(0.0, readout=0.1), shots=None).calibrate_readout(small_gen)
    for m in mats:
        np.testing.assert_allclose(m, [[0.9, 0.1], [0.1, 0.9]], atol=1e-12)


def test_fake_backend_noise_and_mitigation(small_gen, noise3):
    runner = AerRunner("FakeManilaV2", shots=None)
    ideal = small_gen.circuit_probs(noise3).detach().numpy()
    raw = runner.probs(small_gen, noise3)
    folded = runner.probs(small_gen, noise3, scale=3)
    mats = runner.calibrate_readout(small_gen)
    fixed = extrapolate_to_zero([1, 3], [mitigate_readout(raw, mats), mitigate_readout(folded, mats)])

    def tv(p):
        return 0.5 * np.abs(p - ideal).sum(-1).mean()

    assert np.allclose(raw.sum(-1), 1) and 0.005 < tv(raw) < 0.5
    assert tv(folded) > tv(raw)  # folding adds noise
    assert tv(fixed) < tv(raw)  # mitigation recovers some of it
    assert all(m[0, 0] > 0.8 and m[1, 1] > 0.8 for m in mats)


def test_runner_bad_inputs():
    with pytest.raises(TypeError, match="device: expected a fake backend name such as 'FakeManilaV2' or a DepolarizingNoise, got int"):
        AerRunner(3)
    with pytest.raises(ValueError, match="shots: expected a positive integer or None"):
        AerRunner(DepolarizingNoise(0.1), shots=0)
    with pytest.raises(ValueError, match="optimization_level: expected 0, 1, 2 or 3, got 7"):
        AerRunner("FakeManilaV2", optimization_level=7)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0, got -1"):
        AerRunner(DepolarizingNoise(0.1), seed=-1)


# -- evaluation ---------------------------------------------------------------------------------
def test_ideal_device_reproduces_generate(small_gen):
    got = sample_on_device(small_gen, "ideal", n=5, shots=None, seed=4)
    want = generate(small_gen, 5, seed=4, image_shape=(8,))
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)
    noiseless = sample_on_device(small_gen, DepolarizingNoise(0.0), n=5, shots=None, seed=4)
    np.testing.assert_allclose(noiseless.numpy(), want.numpy(), atol=1e-6)


def test_images_from_probs_matches_forward(small_gen, noise3):
    probs = small_gen.circuit_probs(noise3).detach().numpy()
    np.testing.assert_allclose(images_from_probs(small_gen, probs).numpy(), small_gen(noise3).detach().numpy(), atol=1e-6)
    with pytest.raises(ValueError, match=r"probs: expected shape \(2, B, 8\), got \(3, 8\)"):
        images_from_probs(small_gen, probs[0])


def test_pennylane_device_path_matches_exact(small_gen, noise3):
    got = device_probs(small_gen, noise3[:2], qml.device("default.qubit", wires=3), shots=None)
    np.testing.assert_allclose(got, small_gen.circuit_probs(noise3[:2]).detach().numpy(), atol=1e-12)
    dev = fake_backend_device("FakeManilaV2", wires=3, seed=2)
    noisy = device_probs(small_gen, noise3[:1], dev, shots=3000)
    exact = AerRunner("FakeManilaV2", shots=None).probs(small_gen, noise3[:1])
    assert noisy.shape == (2, 1, 8) and 0.5 * np.abs(noisy - exact).sum(-1).max() < 0.08
    with pytest.raises(ValueError, match="mitigation: a PennyLane device object runs the circuits as they are"):
        device_probs(small_gen, noise3, dev, mitigation="readout")


def test_mmd2_on_device_with_the_shipped_checkpoint():
    path = CHECKPOINTS_DIR / "patch_digit0_seed0.pt"
    ideal = mmd2_on_device(path, "ideal", n=16, shots=None)
    noisy = mmd2_on_device(path, DepolarizingNoise(0.02, 0.05, readout=0.05), n=16, shots=None)
    assert 0 < ideal < 0.2 and noisy > ideal + 0.05


def test_evaluation_bad_inputs(small_gen, noise3):
    with pytest.raises(ValueError, match="mitigation: expected one of"):
        device_probs(small_gen, noise3, DepolarizingNoise(0.1), mitigation="magic")
    with pytest.raises(ValueError, match="mitigation: the ideal simulator has no noise to mitigate"):
        device_probs(small_gen, noise3, "ideal", mitigation="zne")
    expected = "device: expected 'ideal', a DepolarizingNoise, a fake backend name, an AerRunner or a PennyLane device, got float"
    with pytest.raises(TypeError, match=expected):
        device_probs(small_gen, noise3, 0.1)
    with pytest.raises(ValueError, match="real: expected real images"):
        mmd2_on_device(small_gen, "ideal", n=2)
    with pytest.raises(ValueError, match="real: expected images with 8 pixels each"):
        mmd2_on_device(small_gen, "ideal", real=torch.zeros(3, 8, 8), n=2)
    with pytest.raises(ValueError, match="n: expected an integer >= 1, got 0"):
        sample_on_device(small_gen, "ideal", n=0)
    with pytest.raises(ValueError, match="shots: expected a positive integer or None"):
        sample_on_device(small_gen, "ideal", n=2, shots=-5)
