"""qgan_helpers.quantum.engine against PennyLane: every primitive vs ``qml.matrix``, random circuits
vs ``default.qubit`` QNodes (``qml.state()``, ``qml.probs``; batch dimension and bit order
included), gradients vs backprop; and each of the three models that run on the engine (the patch
generator's replay, the hybrid generator, the QCBM) against a QNode of the same circuit, written
out here gate by gate."""

from __future__ import annotations

import math

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.born.qcbm import QCBM
from qgan_helpers.models import ConditionalPatchGenerator, HybridQuantumGenerator, PatchQuantumGenerator
from qgan_helpers.quantum.engine import (
    apply_diagonal,
    apply_matrix,
    apply_one_qubit,
    apply_permutation,
    cnot_permutation,
    probabilities,
    rot_zyx,
    rotation_layers,
    ry_product_state,
    zero_state,
)

ATOL = 1e-12


def random_state(batch: int, n: int, seed: int, complex_: bool = True) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, 2**n)) + (1j * rng.normal(size=(batch, 2**n)) if complex_ else 0)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    return torch.as_tensor(x)


def random_unitaries(batch: int, seed: int) -> torch.Tensor:
    """``batch`` random one-qubit unitaries from PennyLane's ``Rot``, shape (batch, 2, 2)."""
    angles = torch.as_tensor(np.random.default_rng(seed).uniform(-math.pi, math.pi, size=(batch, 3)))
    return qml.Rot.compute_matrix(angles[:, 0], angles[:, 1], angles[:, 2])


def full(op: qml.operation.Operator, n: int) -> torch.Tensor:
    return torch.as_tensor(qml.matrix(op, wire_order=range(n)), dtype=torch.complex128)


# -- bit order and the zero state --------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_bit_order_is_pennylanes_wire_0_most_significant(n):
    for wire in range(n):
        state = apply_one_qubit(zero_state(2, n), torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64), wire, n)
        dev = qml.device("default.qubit", wires=n)

        @qml.qnode(dev)
        def flip(wire=wire):
            qml.PauliX(wire)
            return qml.state()

        expected = torch.as_tensor(flip().real)
        assert int(expected.argmax()) == 2 ** (n - 1 - wire)
        torch.testing.assert_close(state, expected.expand(2, -1))


# -- primitives vs qml.matrix ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_one_qubit_gate_on_every_wire_matches_qml_matrix(n):
    batch = 5
    psi = random_state(batch, n, seed=n)
    for wire in range(n):
        u = random_unitaries(batch, seed=10 * n + wire)
        # one gate for all rows
        got = apply_one_qubit(psi, u[0], wire, n)
        want = psi @ full(qml.QubitUnitary(u[0].numpy(), wires=wire), n).T
        torch.testing.assert_close(got, want, atol=ATOL, rtol=0)
        # one gate per row, in both accepted shapes
        want_rows = torch.stack(
            [full(qml.QubitUnitary(u[b].numpy(), wires=wire), n) @ psi[b] for b in range(batch)]
        )
        torch.testing.assert_close(apply_one_qubit(psi, u, wire, n), want_rows, atol=ATOL, rtol=0)
        torch.testing.assert_close(apply_one_qubit(psi, u.unsqueeze(1), wire, n), want_rows, atol=ATOL, rtol=0)


def test_diagonal_and_dense_gates_match_qml_matrix():
    n, psi = 3, random_state(4, 3, seed=7)
    cz_chain = full(qml.prod(qml.CZ([1, 2]), qml.CZ([0, 1])), n)
    torch.testing.assert_close(apply_diagonal(psi, torch.diagonal(cz_chain)), psi @ cz_chain.T, atol=ATOL, rtol=0)
    for op in (qml.CNOT([2, 0]), qml.SWAP([0, 2]), qml.Toffoli([0, 1, 2]), qml.CRY(0.7, [1, 0])):
        m = full(op, n)
        want = torch.stack([m @ psi[b] for b in range(4)])
        torch.testing.assert_close(apply_matrix(psi, m), want, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    "n, pairs",
    [(2, [(0, 1)]), (2, [(1, 0)]), (3, [(0, 1), (1, 2)]), (4, [(0, 1), (1, 2), (2, 3), (3, 0)]),
     (4, [(0, 1), (2, 3), (0, 2), (1, 3)]), (5, [(4, 0), (2, 1), (0, 3), (3, 2)])],
)
def test_cnot_permutation_matches_qml_matrix(n, pairs):
    def gates():
        for c, t in pairs:
            qml.CNOT(wires=[c, t])

    mat = np.real(qml.matrix(gates, wire_order=range(n))())
    perm = cnot_permutation(pairs, n)
    assert np.array_equal(mat, np.eye(2**n)[perm.numpy()])
    psi = random_state(3, n, seed=n)
    torch.testing.assert_close(apply_permutation(psi, perm), psi @ torch.as_tensor(mat).T.to(psi.dtype), atol=ATOL, rtol=0)


def test_cnot_permutation_refuses_bad_pairs():
    with pytest.raises(ValueError, match=r"^pairs: expected \(control, target\) pairs of two different wires in 0\.\.2"):
        cnot_permutation([(0, 3)], 3)
    with pytest.raises(ValueError, match=r"^pairs: expected"):
        cnot_permutation([(1, 1)], 3)


def test_rot_zyx_matches_qml_matrix_with_batch_dimensions():
    w = torch.as_tensor(np.random.default_rng(3).uniform(-4, 4, size=(2, 3, 3)))
    got = rot_zyx(w)
    assert got.shape == (2, 3, 2, 2)
    for i in range(2):
        for j in range(3):
            a, b, c = w[i, j].tolist()
            want = qml.matrix(qml.prod(qml.RZ(c, 0), qml.RY(b, 0), qml.RX(a, 0)))
            np.testing.assert_allclose(got[i, j].numpy(), want, atol=ATOL)


def test_probabilities_of_real_and_complex_states():
    psi = random_state(3, 3, seed=1)
    torch.testing.assert_close(probabilities(psi), psi.abs() ** 2, atol=ATOL, rtol=0)
    real = psi.real / psi.real.norm(dim=1, keepdim=True)
    assert probabilities(real).dtype == torch.float64
    torch.testing.assert_close(probabilities(real).sum(1), torch.ones(3, dtype=torch.float64))


# -- states and random circuits vs default.qubit QNodes ---------------------------------------------
@pytest.mark.parametrize("n", [1, 3, 4])
def test_ry_product_state_matches_a_broadcast_qnode(n):
    z = torch.as_tensor(np.random.default_rng(n).uniform(-3, 3, size=(6, n)))

    @qml.qnode(qml.device("default.qubit", wires=n))
    def encode(z):
        for w in range(n):
            qml.RY(z[:, w], wires=w)
        return qml.state()

    torch.testing.assert_close(ry_product_state(z), encode(z).real, atol=ATOL, rtol=0)
    assert bool((encode(z).imag.abs() < ATOL).all())


def _random_program(n: int, n_ops: int, seed: int) -> list[tuple[str, int, int]]:
    """A random circuit: (kind, wire or control, target); kinds RX, RY, RZ, Rot, CNOT, CZ."""
    rng = np.random.default_rng(seed)
    ops = []
    for _ in range(n_ops):
        kind = str(rng.choice(["RX", "RY", "RZ", "Rot", "CNOT", "CZ"] if n > 1 else ["RX", "RY", "RZ", "Rot"]))
        a, b = rng.choice(n, size=2, replace=False) if n > 1 else (0, 0)
        ops.append((kind, int(a), int(b)))
    return ops


def _run_engine(program, angles, n):
    """The program on the engine: per-row rotations (batch B), fixed gates as permutations/diagonals."""
    state = zero_state(angles.shape[0], n, torch.complex128)
    for k, (kind, a, b) in enumerate(program):
        if kind == "CNOT":
            state = apply_permutation(state, cnot_permutation([(a, b)], n))
        elif kind == "CZ":
            state = apply_diagonal(state, torch.diagonal(full(qml.CZ([a, b]), n)))
        elif kind == "Rot":
            state = apply_one_qubit(state, qml.Rot.compute_matrix(*angles[:, k].unbind(-1)), a, n)
        else:
            state = apply_one_qubit(state, getattr(qml, kind).compute_matrix(angles[:, k, 0]), a, n)
    return state


def _queue(program, angles):
    for k, (kind, a, b) in enumerate(program):
        if kind in ("CNOT", "CZ"):
            getattr(qml, kind)(wires=[a, b])
        elif kind == "Rot":
            qml.Rot(angles[:, k, 0], angles[:, k, 1], angles[:, k, 2], wires=a)
        else:
            getattr(qml, kind)(angles[:, k, 0], wires=a)


@pytest.mark.parametrize("n, seed", [(1, 0), (2, 1), (3, 2), (4, 3), (5, 4)])
def test_random_circuits_match_state_and_probs_of_a_broadcast_qnode(n, seed):
    program = _random_program(n, 14, seed)
    angles = torch.as_tensor(np.random.default_rng(seed).uniform(-math.pi, math.pi, size=(4, len(program), 3)))
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def state_qnode(angles):
        _queue(program, angles)
        return qml.state()

    @qml.qnode(dev)
    def probs_qnode(angles):
        _queue(program, angles)
        return qml.probs(wires=range(n))

    got = _run_engine(program, angles, n)
    torch.testing.assert_close(got, state_qnode(angles), atol=ATOL, rtol=0)  # every row of the batch
    torch.testing.assert_close(probabilities(got), probs_qnode(angles), atol=ATOL, rtol=0)


def test_gradients_of_a_random_circuit_match_backprop():
    n, program = 3, _random_program(3, 12, seed=9)
    base = torch.as_tensor(np.random.default_rng(9).uniform(-math.pi, math.pi, size=(3, len(program), 3)))
    weights = torch.linspace(-1.0, 1.0, 2**n, dtype=torch.float64)

    @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
    def probs_qnode(angles):
        _queue(program, angles)
        return qml.probs(wires=range(n))

    a1, a2 = base.clone().requires_grad_(True), base.clone().requires_grad_(True)
    (probabilities(_run_engine(program, a1, n)) @ weights).pow(2).sum().backward()
    (probs_qnode(a2) @ weights).pow(2).sum().backward()
    torch.testing.assert_close(a1.grad, a2.grad, atol=1e-10, rtol=0)


@pytest.mark.parametrize("per_row", [False, True])
def test_rotation_layers_match_a_qnode(per_row):
    n, layers, batch = 3, 2, 4
    pairs = [(0, 1), (1, 2), (2, 0)]
    rng = np.random.default_rng(5)
    shape = (batch, layers, n, 3) if per_row else (layers, n, 3)
    w = torch.as_tensor(rng.uniform(-math.pi, math.pi, size=shape))
    psi = random_state(batch, n, seed=5)
    got = rotation_layers(psi, rot_zyx(w), cnot_permutation(pairs, n), n)

    @qml.qnode(qml.device("default.qubit", wires=n))
    def ref(psi, w):
        qml.StatePrep(psi, wires=range(n))
        for layer in range(layers):
            for i in range(n):
                qml.RX(w[..., layer, i, 0], wires=i)
                qml.RY(w[..., layer, i, 1], wires=i)
                qml.RZ(w[..., layer, i, 2], wires=i)
            for c, t in pairs:
                qml.CNOT(wires=[c, t])
        return qml.state()

    want = ref(psi, w) if per_row else torch.stack([ref(psi[b], w) for b in range(batch)])
    torch.testing.assert_close(got, want, atol=ATOL, rtol=0)


# -- the three models on the engine vs a QNode of the same circuit ------------------------------------
def _patch_reference(n: int, depth: int, uploads: tuple[int, ...]):
    """The patch circuit written out: RY(noise) before the layers in ``uploads``, each layer RY + CZ chain."""

    @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
    def circuit(enc, weights):
        for layer in range(depth):
            if layer in uploads:
                block = enc[..., uploads.index(layer), :] if enc.ndim == 3 else enc
                for i in range(n):
                    qml.RY(block[..., i], wires=i)
            for i in range(n):
                qml.RY(weights[..., layer, i], wires=i)
            for i in range(n - 1):
                qml.CZ(wires=[i, i + 1])
        return qml.probs(wires=range(n))

    return circuit


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n_qubits": 4, "depth": 3, "reupload": True, "n_pixels": 32},
     {"n_ancillas": 2, "n_generators": 8, "depth": 4, "reupload": True, "upload_every": 2, "noise_per_upload": True}],
    ids=["default", "reupload", "noise-blocks"],
)
def test_patch_generator_replay_matches_a_qnode(kwargs):
    torch.manual_seed(0)
    gen = PatchQuantumGenerator(**kwargs).double()
    noise = gen.sample_noise(5, torch.Generator().manual_seed(1)).double()
    probs = gen.circuit_probs(noise, method="lean")
    enc, w = gen.circuit_angles(noise)
    ref = _patch_reference(gen.n_qubits, gen.depth, gen.upload_layers)
    g, b = enc.shape[:2]
    want = ref(enc.reshape(g * b, *enc.shape[2:]), w.reshape(g * b, gen.depth, gen.n_qubits)).reshape(g, b, -1)
    torch.testing.assert_close(probs, want, atol=ATOL, rtol=0)
    (grad,) = torch.autograd.grad(probs.pow(2).sum(), gen.weights)
    enc, w = gen.circuit_angles(noise)
    (want_grad,) = torch.autograd.grad(ref(enc.reshape(g * b, *enc.shape[2:]), w.reshape(g * b, gen.depth, -1)).pow(2).sum(),
                                       gen.weights)
    torch.testing.assert_close(grad, want_grad, atol=1e-10, rtol=0)


def test_conditional_generator_replay_matches_a_qnode():
    torch.manual_seed(2)
    gen = ConditionalPatchGenerator(n_qubits=3, depth=2, n_generators=2, n_pixels=8, n_classes=3).double()
    noise, labels = gen.sample_noise(4).double(), torch.tensor([0, 2, 1, 2])
    enc, w = gen.circuit_angles(noise, labels)
    want = _patch_reference(3, 2, (0,))(enc.reshape(8, 3), w.reshape(8, 2, 3)).reshape(2, 4, 8)
    torch.testing.assert_close(gen.circuit_probs(noise, labels, method="lean"), want, atol=ATOL, rtol=0)


@pytest.mark.parametrize("encoding", ["none", "angle", "amplitude"])
@pytest.mark.parametrize("n", [1, 3])
def test_hybrid_generator_matches_a_qnode(encoding, n):
    torch.manual_seed(3)
    gen = HybridQuantumGenerator(n_qubits=n, layers=2, encoding=encoding, decoder=(), n_pixels=4, init_scale=1.0)
    z = gen.sample_noise(5).double()

    @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
    def ref(z, w):
        if encoding == "angle":
            for i in range(n):
                qml.RY(z[..., i], wires=i)
        elif encoding == "amplitude":
            qml.StatePrep(z / z.norm(dim=-1, keepdim=True), wires=range(n))
        for layer in range(w.shape[0]):
            for i in range(n):
                qml.RX(w[layer, i, 0], wires=i)
                qml.RY(w[layer, i, 1], wires=i)
                qml.RZ(w[layer, i, 2], wires=i)
            for i in range(n - 1):
                qml.CNOT(wires=[i, i + 1])
        return [qml.expval(qml.PauliZ(i)) for i in range(n)]

    got = gen.expvals(z)
    w = gen.weights.double()
    want = torch.stack([torch.stack(ref(z[b], w)) for b in range(5)])
    torch.testing.assert_close(got, want.reshape(5, n), atol=ATOL, rtol=0)
    (grad,) = torch.autograd.grad(gen.expvals(z).pow(2).sum(), gen.weights)
    w = gen.weights.double()
    (want_grad,) = torch.autograd.grad(torch.stack([torch.stack(ref(z[b], w)) for b in range(5)]).pow(2).sum(),
                                       gen.weights)
    torch.testing.assert_close(grad, want_grad, atol=1e-10, rtol=0)


@pytest.mark.parametrize("n, entanglers, grid", [(4, "grid", (2, 2)), (3, "ring", None), (1, "chain", None)])
def test_qcbm_matches_a_qnode(n, entanglers, grid):
    model = QCBM(n_qubits=n, layers=2, entanglers=entanglers, grid_shape=grid, n_starts=3, init_seed=4)

    @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
    def ref(w):
        for layer in range(2):
            for i in range(n):
                qml.Rot(w[..., layer, i, 0], w[..., layer, i, 1], w[..., layer, i, 2], wires=i)
            for c, t in model.pairs:
                qml.CNOT(wires=[c, t])
        return qml.probs(wires=range(n))

    torch.testing.assert_close(model(), ref(model.weights), atol=ATOL, rtol=0)  # the starts as the batch
    (grad,) = torch.autograd.grad(model().pow(2).sum(), model.weights)
    (want,) = torch.autograd.grad(ref(model.weights).pow(2).sum(), model.weights)
    torch.testing.assert_close(grad, want, atol=1e-10, rtol=0)
