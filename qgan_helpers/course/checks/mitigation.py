"""Exercises of the chapter "Error mitigation" (book/mitigation.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array, as_scalar, expect, register

__all__: list[str] = []


def _flip_channel(n: int, r: float) -> np.ndarray:
    flip = np.array([[1 - r, r], [r, 1 - r]])
    full = np.ones((1, 1))
    for _ in range(n):
        full = np.kron(full, flip)
    return full


@register(
    "ex-mitigation-bitflip",
    "Undo symmetric readout errors",
    (
        "The readout errors act on the true distribution as one matrix: the Kronecker product "
        "F ⊗ F ⊗ ... ⊗ F, one factor per wire. Undoing them means applying the inverse of that matrix.",
        "The inverse of a Kronecker product is the Kronecker product of the inverses: start from "
        "np.ones((1, 1)) and np.kron it with np.linalg.inv(F) once per wire (n = log2(len(measured))).",
        "p = full_inverse @ measured; then p = np.clip(p, 0, None) and return p / p.sum().",
    ),
    "unflip",
)
def _check_bitflip(unflip: Any) -> None:
    expect(callable(unflip), "unflip should be a function of (measured, r)")
    rng = np.random.default_rng(7)
    for n, r in ((1, 0.1), (2, 0.05), (3, 0.2)):
        true = rng.dirichlet(np.ones(2**n))
        measured = _flip_channel(n, r) @ true
        got = as_array(unflip(measured.copy(), r), "unflip(measured, r)")
        expect(got.shape == (2**n,), f"for {n} wire(s) unflip should return {2**n} probabilities, got shape {got.shape}")
        expect(abs(got.sum() - 1) < 1e-6, f"the result should sum to 1, got {got.sum():.4f}")
        expect(np.allclose(got, true, atol=1e-6),
               f"with {n} wire(s) and r = {r}, unflip should recover the true distribution {np.round(true, 4).tolist()}, "
               f"got {np.round(got, 4).tolist()}")
    # with shot noise the inverse can go negative: the result must still be a distribution
    got = as_array(unflip(np.array([0.97, 0.01, 0.01, 0.01]), 0.05), "unflip(measured, r)")
    expect(got.min() >= -1e-12 and abs(got.sum() - 1) < 1e-6,
           "when the inverse gives negative entries, clip them to 0 and renormalise (got "
           f"{np.round(got, 4).tolist()})")


@register(
    "ex-mitigation-richardson",
    "Richardson extrapolation to zero noise",
    (
        "Through k points there is exactly one polynomial of degree k - 1; the answer is its value at "
        "scale 0. With two points that is the straight line of the two-point ZNE.",
        "NumPy fits and evaluates polynomials: np.polyfit(x, y, degree) returns the coefficients and "
        "np.polyval(coefficients, x) evaluates them.",
        "return float(np.polyval(np.polyfit(scales, values, len(scales) - 1), 0)), or sum values[i] "
        "times the Lagrange weight prod_{j != i} s_j / (s_j - s_i).",
    ),
    "extrapolate",
)
def _check_richardson(extrapolate: Any) -> None:
    expect(callable(extrapolate), "extrapolate should be a function of (scales, values)")
    got = as_scalar(extrapolate([1, 3], [0.8, 0.6]), "extrapolate([1, 3], [0.8, 0.6])")
    expect(abs(got - 0.9) < 1e-9, f"a line through (1, 0.8) and (3, 0.6) reaches 0.9 at scale 0, got {got:.4f}")
    got = as_scalar(extrapolate([1, 2, 3], [0.5, 0.4, 0.35]), "extrapolate([1, 2, 3], [0.5, 0.4, 0.35])")
    want = float(np.polyval(np.polyfit([1, 2, 3], [0.5, 0.4, 0.35], 2), 0))
    expect(abs(got - want) < 1e-9,
           f"with three points use the parabola through all of them (degree len(scales) - 1): expected {want:.4f}, got {got:.4f}")
    got = as_scalar(extrapolate([1, 3, 5, 7], [1.0, 1.0, 1.0, 1.0]), "extrapolate([1, 3, 5, 7], [1, 1, 1, 1])")
    expect(abs(got - 1.0) < 1e-9, f"constant values extrapolate to the same constant, got {got:.4f}")


@register(
    "ex-mitigation-fold",
    "Global unitary folding",
    (
        "C^-1 C is the identity, so appending it k times changes nothing but the number of gates. "
        "Scale 2k + 1 means k = (scale - 1) // 2 such pairs after the original circuit.",
        "The inverse of a product of gates is the product of their inverses in reverse order: "
        "(ABC)^-1 = C^-1 B^-1 A^-1. qml.adjoint(op) is the inverse of one gate.",
        "inverse = [qml.adjoint(op) for op in reversed(ops)]; return list(ops) + k * (inverse + list(ops)).",
    ),
    "fold_ops",
)
def _check_fold(fold_ops: Any) -> None:
    expect(callable(fold_ops), "fold_ops should be a function of (ops, scale)")
    ops = [qml.RY(0.3, wires=0), qml.RX(1.1, wires=1), qml.CNOT(wires=[0, 1]), qml.RZ(0.7, wires=1)]
    want = qml.matrix(qml.tape.QuantumScript(ops), wire_order=[0, 1])
    for scale in (1, 3, 5):
        out = fold_ops(list(ops), scale)
        expect(isinstance(out, (list, tuple)), f"fold_ops(ops, {scale}) should return a list of operations, got {type(out).__name__}")
        expect(all(isinstance(op, qml.operation.Operator) for op in out),
               f"fold_ops(ops, {scale}) should return PennyLane operations only")
        expect(len(out) == scale * len(ops),
               f"with scale {scale} the folded circuit should have {scale} x {len(ops)} = {scale * len(ops)} gates, got {len(out)}")
        got = qml.matrix(qml.tape.QuantumScript(list(out)), wire_order=[0, 1])
        expect(np.allclose(got, want, atol=1e-9),
               f"with scale {scale} the folded circuit should implement the same unitary as the original "
               "(did you reverse the order of the inverse gates?)")
    expect([op.name for op in fold_ops(list(ops), 3)[: len(ops)]] == [op.name for op in ops],
           "the folded circuit should start with the original gates")


_ZZ = np.array([1.0, -1.0, -1.0, 1.0])  # Z0 Z1 on the outcomes 00, 01, 10, 11


def _manila_readout_range() -> tuple[float, float]:
    """The smallest and largest calibrated readout error of ibmq_manila's snapshot."""
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2()
    errors = [backend.target["measure"][(q,)].error for q in range(backend.num_qubits)]
    return min(errors), max(errors)


@register(
    "ex-mitigation-readout",
    "Measure a Bell pair on the simulated Manila and mitigate its readout",
    (
        "Three runs on the same device: the Bell circuit itself, and two calibration circuits that "
        "prepare 00 and 11 and measure each wire on its own (qml.probs(wires=0), qml.probs(wires=1)).",
        "Column s of wire j's confusion matrix is what wire j reads when it was prepared in s: "
        "np.column_stack([p_when_0, p_when_1]). Then undo both wires at once with "
        "np.kron(inv(A_0), inv(A_1)) @ raw, clip at 0 and renormalise.",
        "Build dev = fake_backend_device('FakeManilaV2', wires=2, seed=0); put @qml.set_shots(shots=4000) "
        "on each QNode; the calibration QNode applies qml.PauliX to both wires when asked for 11 and "
        "returns qml.probs(wires=0), qml.probs(wires=1).",
    ),
    "bell_on_manila",
)
def _check_readout(bell_on_manila: Any) -> None:
    expect(callable(bell_on_manila), "bell_on_manila should be a function that returns (raw, confusion, mitigated)")
    out = bell_on_manila()
    expect(isinstance(out, (tuple, list)) and len(out) == 3,
           "bell_on_manila() should return three things: raw, confusion, mitigated")
    raw = as_array(out[0], "raw")
    mitigated = as_array(out[2], "mitigated")
    for name, p in (("raw", raw), ("mitigated", mitigated)):
        expect(p.shape == (4,), f"{name} should hold the 4 probabilities of 00, 01, 10, 11, got shape {p.shape}")
        expect(p.min() >= -1e-9 and abs(p.sum() - 1) < 1e-6, f"{name} should be a probability distribution")
    confusion = [as_array(a, "confusion[j]") for a in out[1]]
    expect(len(confusion) == 2 and all(a.shape == (2, 2) for a in confusion),
           "confusion should hold one 2x2 matrix per wire")
    low, high = _manila_readout_range()
    for j, a in enumerate(confusion):
        expect(np.allclose(a.sum(axis=0), 1, atol=1e-6),
               f"each column of confusion[{j}] should sum to 1: column s is what the wire reads when prepared in s")
        flip = 0.5 * (a[1, 0] + a[0, 1])
        expect(low / 3 < flip < 3 * high,
               f"wire {j} flips {flip:.3f} of its readouts on average; Manila's calibrated readout errors are "
               f"{low:.3f} to {high:.3f}: did the calibration run on the fake device, with shots?")
    raw_error = 1 - float(_ZZ @ raw)
    expect(raw_error > 0.03,
           f"the raw Bell pair gives <Z0 Z1> = {1 - raw_error:.3f}, almost the ideal 1: run it on the noisy fake "
           "device, not on an ideal simulator")
    inverse = np.kron(np.linalg.inv(confusion[0]), np.linalg.inv(confusion[1]))
    want = np.clip(inverse @ raw, 0, None)
    want /= want.sum()
    expect(np.allclose(mitigated, want, atol=1e-6),
           "mitigated should be your raw distribution with your own confusion matrices undone: "
           "np.kron(inv(A_0), inv(A_1)) @ raw, clipped at 0 and renormalised")
    mitigated_error = 1 - float(_ZZ @ mitigated)
    expect(abs(mitigated_error) < 0.5 * abs(raw_error),
           f"mitigation should at least halve the error of <Z0 Z1> (raw {1 - raw_error:.3f}, mitigated "
           f"{1 - mitigated_error:.3f}, ideal 1): are the confusion matrices' columns the prepared states?")
