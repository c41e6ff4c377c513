"""Exercises of the chapter "Hardware runs" (book/hardware.ipynb)."""

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
    "ex-hardware-bitflip",
    "Undo symmetric readout errors",
    "The measured distribution is (F ⊗ F ⊗ ... ⊗ F) p with F = [[1 - r, r], [r, 1 - r]] on every wire. "
    "Build the Kronecker product of np.linalg.inv(F) (np.kron in a loop), apply it to `measured`, "
    "clip negative entries to 0 and divide by the sum.",
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
    "ex-hardware-richardson",
    "Richardson extrapolation to zero noise",
    "Fit the polynomial of degree len(scales) - 1 through the points and evaluate it at 0: "
    "np.polyval(np.polyfit(scales, values, len(scales) - 1), 0) does it, or sum values[i] times the "
    "Lagrange weight prod_{j != i} s_j / (s_j - s_i).",
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
    "ex-hardware-fold",
    "Global unitary folding",
    "For scale = 2k + 1 return ops followed by k copies of (inverse, ops), where the inverse is "
    "[qml.adjoint(op) for op in reversed(ops)].",
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
