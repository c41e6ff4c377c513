"""qgan_helpers.quantum.circuits against independent NumPy matrix calculations, plus bad-input messages."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.quantum.circuits import (
    amplitude_encoding,
    angle_encoding,
    as_wires,
    count_angles,
    normalise_latent,
    patch_ansatz,
    patch_layer,
    patch_weight_shape,
    seed_ansatz,
    seed_layer,
    seed_weight_shape,
)

# -- independent NumPy reference: explicit gate matrices, wire 0 = most significant bit ----------
I2 = np.eye(2)


def rx(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def ry(t):
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rz(t):
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def on_wire(gate, wire, n):
    """``gate`` on ``wire`` of ``n`` qubits (identity elsewhere)."""
    return reduce(np.kron, [gate if k == wire else I2 for k in range(n)])


def basis_bits(n):
    return [[(i >> (n - 1 - k)) & 1 for k in range(n)] for i in range(2**n)]


def cnot(control, target, n):
    """Permutation matrix: flip ``target`` where ``control`` is 1."""
    dim = 2**n
    m = np.zeros((dim, dim))
    for i, bits in enumerate(basis_bits(n)):
        out = list(bits)
        if bits[control]:
            out[target] ^= 1
        j = int("".join(map(str, out)), 2)
        m[j, i] = 1
    return m


def cz(a, b, n):
    return np.diag([-1.0 if bits[a] and bits[b] else 1.0 for bits in basis_bits(n)])


def zero_state(n):
    v = np.zeros(2**n, dtype=complex)
    v[0] = 1
    return v


def np_seed_layer(w, n):
    u = np.eye(2**n, dtype=complex)
    for i in range(n):
        for gate, angle in ((rx, w[i, 0]), (ry, w[i, 1]), (rz, w[i, 2])):
            u = on_wire(gate(angle), i, n) @ u
    for i in range(n - 1):
        u = cnot(i, i + 1, n) @ u
    return u


def np_patch_layer(w, n):
    u = reduce(np.kron, [ry(w[i]) for i in range(n)]).astype(complex)
    for i in range(n - 1):
        u = cz(i, i + 1, n) @ u
    return u


def state_of(template, n):
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit(x):
        template(x, n)
        return qml.state()

    return lambda x: np.asarray(circuit(x))


RNG = np.random.default_rng(1234)


# -- the NumPy reference itself is sane ------------------------------------------------------------
def test_reference_matrices_are_unitary_and_cnot_acts_as_expected():
    for m in (rx(0.3), ry(1.1), rz(-0.7), cnot(0, 2, 3), cz(1, 2, 3)):
        assert np.allclose(m.conj().T @ m, np.eye(len(m)))
    # |10> -> |11> for CNOT(0, 1) on 2 qubits (wire 0 is the most significant bit)
    assert np.allclose(cnot(0, 1, 2) @ np.eye(4)[2], np.eye(4)[3])
    assert np.allclose(qml.matrix(qml.CNOT(wires=[0, 1])), cnot(0, 1, 2))


# -- templates against NumPy ------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3])
def test_seed_layer_matches_explicit_matrices(n):
    w = RNG.uniform(0, 2 * np.pi, size=(n, 3))
    expected = np_seed_layer(w, n) @ zero_state(n)
    assert np.allclose(state_of(seed_layer, n)(w), expected, atol=1e-10)


def test_seed_ansatz_is_the_product_of_its_layers():
    n, layers = 3, 2
    w = RNG.uniform(0, 2 * np.pi, size=seed_weight_shape(layers, n))
    u = np_seed_layer(w[1], n) @ np_seed_layer(w[0], n)
    assert np.allclose(state_of(seed_ansatz, n)(w), u @ zero_state(n), atol=1e-10)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_patch_layer_matches_explicit_matrices_with_cz(n):
    w = RNG.uniform(0, 2 * np.pi, size=n)
    expected = np_patch_layer(w, n) @ zero_state(n)
    got = state_of(patch_layer, n)(w)
    assert np.allclose(got, expected, atol=1e-10)
    assert np.allclose(got.imag, 0, atol=1e-12), "RY and CZ keep the amplitudes real"


def test_patch_ansatz_is_the_product_of_its_layers():
    n, depth = 3, 3
    w = RNG.uniform(0, 2 * np.pi, size=patch_weight_shape(depth, n))
    u = reduce(lambda acc, layer: np_patch_layer(layer, n) @ acc, w, np.eye(2**n, dtype=complex))
    assert np.allclose(state_of(patch_ansatz, n)(w), u @ zero_state(n), atol=1e-10)


@pytest.mark.parametrize("rotation, gate", [("X", rx), ("Y", ry), ("Z", rz)])
def test_angle_encoding_is_a_product_state(rotation, gate):
    n = 3
    z = RNG.normal(size=n)
    expected = reduce(np.kron, [gate(z[i]) @ np.array([1, 0]) for i in range(n)])
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit(x):
        angle_encoding(x, n, rotation=rotation)
        return qml.state()

    assert np.allclose(circuit(z), expected, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_amplitude_encoding_state_is_the_normalised_vector(n):
    z = RNG.normal(size=2**n)
    assert np.allclose(state_of(amplitude_encoding, n)(z), z / np.linalg.norm(z), atol=1e-10)


def test_amplitude_encoding_of_a_complex_vector():
    z = RNG.normal(size=8) + 1j * RNG.normal(size=8)
    got = state_of(amplitude_encoding, 3)(z)
    assert np.allclose(got, z / np.linalg.norm(z), atol=1e-10)


def test_amplitude_encoding_forgets_norm_and_sign():
    z = RNG.normal(size=4)
    f = state_of(amplitude_encoding, 2)
    assert np.allclose(f(3.0 * z), f(z)) and np.allclose(f(-z), -f(z))


def test_normalise_latent_numpy_and_torch_with_gradient():
    assert np.allclose(normalise_latent(np.array([3.0, 0.0, 0.0, 4.0]), 2), [0.6, 0, 0, 0.8])
    zb = np.array([[1.0, 0, 0, 0], [0, 2.0, 0, 0]])
    assert np.allclose(normalise_latent(zb, 2), [[1, 0, 0, 0], [0, 1, 0, 0]])
    zt = torch.tensor([3.0, 0.0, 0.0, 4.0], requires_grad=True)
    out = normalise_latent(zt, 2)
    out[0].backward()
    # d(z0/|z|)/dz = (e0 - x0 * x) / |z| with x = z/|z|
    x = np.array([0.6, 0, 0, 0.8])
    assert np.allclose(zt.grad.numpy(), (np.eye(4)[0] - 0.6 * x) / 5.0)


# -- broadcasting gives the same as a loop -----------------------------------------------------------
@pytest.mark.parametrize(
    "template, shape",
    [
        (seed_ansatz, seed_weight_shape(2, 3)),
        (patch_ansatz, patch_weight_shape(3, 3)),
        (seed_layer, (3, 3)),
        (patch_layer, (3,)),
        (angle_encoding, (3,)),
        (amplitude_encoding, (8,)),
    ],
    ids=["seed_ansatz", "patch_ansatz", "seed_layer", "patch_layer", "angle", "amplitude"],
)
def test_broadcasting_equals_a_loop(template, shape):
    f = state_of(template, 3)
    batch = RNG.uniform(-np.pi, np.pi, size=(5, *shape))
    broadcast = f(batch)
    assert broadcast.shape == (5, 8)
    for b in range(5):
        assert np.allclose(broadcast[b], f(batch[b]), atol=1e-10)


# -- wires, shapes, counts ------------------------------------------------------------------------------
def test_wire_labels_and_gate_counts():
    assert as_wires(3) == [0, 1, 2] and as_wires(["a", "b"]) == ["a", "b"]
    w = RNG.normal(size=(2, 3))
    tape = qml.tape.make_qscript(seed_layer)(w, ["a", "b"])
    assert [op.name for op in tape.operations] == ["RX", "RY", "RZ", "RX", "RY", "RZ", "CNOT"]
    assert tape.operations[-1].wires.tolist() == ["a", "b"]
    tape = qml.tape.make_qscript(patch_ansatz)(np.zeros((2, 4)), 4)
    names = [op.name for op in tape.operations]
    assert names.count("RY") == 8 and names.count("CZ") == 6
    tape = qml.tape.make_qscript(seed_ansatz)(np.zeros(seed_weight_shape(3, 4)), 4)
    assert len(tape.operations) == 3 * (3 * 4 + 3)


def test_shapes_and_parameter_counts():
    assert seed_weight_shape(2, 4) == (2, 4, 3) and patch_weight_shape(6, 5) == (6, 5)
    assert count_angles(seed_weight_shape(2, 4)) == 24
    assert count_angles(patch_weight_shape(6, 5)) == 30


# -- bad input: clear messages that name the argument ----------------------------------------------------
def test_bad_seed_layer_weight_shape():
    with pytest.raises(ValueError, match=r"weights: expected shape \(3, 3\).*got \(3, 2\)"):
        seed_layer(np.zeros((3, 2)), 3)


def test_bad_seed_layer_too_many_batch_dimensions():
    with pytest.raises(ValueError, match=r"weights: expected shape .*one leading batch dimension, got \(2, 2, 3, 3\)"):
        seed_layer(np.zeros((2, 2, 3, 3)), 3)


def test_bad_seed_ansatz_weight_shape():
    with pytest.raises(ValueError, match=r"weights: expected shape \(layers, 4, 3\).*got \(2, 3, 3\)"):
        seed_ansatz(np.zeros((2, 3, 3)), 4)


def test_bad_patch_weight_shapes():
    with pytest.raises(ValueError, match=r"weights: expected shape \(3,\) \(one RY angle per wire\).*got \(4,\)"):
        patch_layer(np.zeros(4), 3)
    with pytest.raises(ValueError, match=r"weights: expected shape \(depth, 3\).*got \(2, 4\)"):
        patch_ansatz(np.zeros((2, 4)), 3)


def test_zero_latent():
    with pytest.raises(ValueError, match="z: expected a non-zero vector"):
        normalise_latent(np.zeros(4), 2)
    with pytest.raises(ValueError, match="z: expected a non-zero vector"):
        amplitude_encoding(np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]]), 2)


def test_wrong_latent_length():
    with pytest.raises(ValueError, match=r"z: expected length 16 \(= 2\*\*4 amplitudes for 4 wires\).*got shape \(15,\)"):
        normalise_latent(np.ones(15), 4)
    with pytest.raises(ValueError, match=r"z: expected shape \(4,\) \(one angle per wire\).*got \(3,\)"):
        angle_encoding(np.ones(3), 4)


def test_nan_latent():
    with pytest.raises(ValueError, match="z: expected finite amplitudes, got NaN or infinity"):
        normalise_latent(np.array([1.0, np.nan, 0.0, 0.0]), 2)
    with pytest.raises(ValueError, match="z: expected finite amplitudes"):
        normalise_latent(torch.tensor([1.0, float("inf"), 0.0, 0.0]), 2)


def test_bad_rotation():
    with pytest.raises(ValueError, match="rotation: expected one of 'X', 'Y', 'Z', got 'W'"):
        angle_encoding(np.zeros(2), 2, rotation="W")
    with pytest.raises(ValueError, match="rotation: expected one of 'X', 'Y', 'Z', got 'y'"):
        angle_encoding(np.zeros(2), 2, rotation="y")


def test_bad_wires():
    with pytest.raises(ValueError, match="wires: expected an integer >= 1, got 0"):
        as_wires(0)
    with pytest.raises(ValueError, match="wires: expected at least one wire, got an empty sequence"):
        seed_layer(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match=r"wires: expected distinct wire labels, got \[0, 0\]"):
        patch_layer(np.zeros(2), [0, 0])
    with pytest.raises(ValueError, match="wires: expected a positive integer or a sequence of wire labels, got True"):
        as_wires(True)


def test_bad_layers():
    with pytest.raises(ValueError, match="layers: expected an integer >= 1, got 0"):
        seed_weight_shape(0, 4)
    with pytest.raises(ValueError, match="layers: expected an integer >= 1, got 1.5"):
        seed_weight_shape(1.5, 4)
    with pytest.raises(ValueError, match="n_wires: expected an integer >= 1, got -2"):
        patch_weight_shape(3, -2)
    with pytest.raises(ValueError, match="depth: expected an integer >= 1, got 0"):
        patch_weight_shape(0, 4)
    with pytest.raises(ValueError, match="layers: expected an integer >= 1, got True"):
        seed_weight_shape(True, 2)
