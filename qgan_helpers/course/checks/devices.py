"""Exercises of the chapter "Quantum devices" (book/devices.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []




@register(
    "ex-devices-bell",
    "Build a Bell state and return its four probabilities",
    "Hadamard on wire 0, then CNOT(wires=[0, 1]); measure qml.probs(wires=[0, 1]) on an analytic device "
    "(no shots), e.g. make_qnode(circuit, wires=2).",
    "bell_probabilities",
)
def _check_bell(bell_probabilities: Any) -> None:
    expect(callable(bell_probabilities), "bell_probabilities should be a function (def bell_probabilities(): ...)")
    probs = _as_array(bell_probabilities(), "bell_probabilities()")
    expect(probs.shape == (4,), f"expected 4 probabilities (|00>, |01>, |10>, |11>), got shape {probs.shape}")
    expect(np.all(probs >= -1e-9), "probabilities cannot be negative")
    expect(abs(probs.sum() - 1) < 1e-6, f"the probabilities should sum to 1, they sum to {probs.sum():.4f}")
    target = np.array([0.5, 0.0, 0.0, 0.5])
    if np.allclose(probs, target, atol=0.1) and not np.allclose(probs, target, atol=1e-6):
        expect(False, f"close but not exact ({np.round(probs, 3).tolist()}): use exact results (shots=None)")
    expect(
        np.allclose(probs, target, atol=1e-6),
        f"a Bell state gives [0.5, 0, 0, 0.5], got {np.round(probs, 4).tolist()} "
        "(is there a Hadamard on wire 0 before the CNOT?)",
    )


@register(
    "ex-devices-density-memory",
    "Bytes of an n-qubit density matrix in complex128",
    "A density matrix of n qubits is a 2**n x 2**n matrix of complex numbers, and complex128 takes 16 bytes.",
    "density_matrix_bytes",
)
def _check_density_memory(density_matrix_bytes: Any) -> None:
    expect(callable(density_matrix_bytes), "density_matrix_bytes should be a function of n_qubits")
    for n in range(1, 13):
        got = density_matrix_bytes(n)
        expect(
            isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, bool),
            f"density_matrix_bytes({n}) should return a number of bytes, got {type(got).__name__}",
        )
        expected = 16 * 4**n
        if got == 16 * 2**n:
            expect(False, f"density_matrix_bytes({n}) = {got} is the size of a state vector; "
                   "a density matrix has 2**n x 2**n entries")
        if got == 4**n:
            expect(False, f"density_matrix_bytes({n}) = {got} counts entries, not bytes (16 bytes per entry)")
        expect(got == expected, f"density_matrix_bytes({n}) should be {expected}, got {got}")


@register(
    "ex-devices-broadcast",
    "Evaluate a batch of angles in one QNode call (parameter broadcasting)",
    "Build the QNode on the device `dev` you are given (qml.QNode(circuit, dev)), put qml.RY(theta, wires=0) in "
    "it and call it ONCE with the whole array: circuit(angles). No Python loop.",
    "batch_expvals",
)
def _check_broadcast(batch_expvals: Any) -> None:
    from qgan_helpers.quantum.devices import make_device

    expect(callable(batch_expvals), "batch_expvals should be a function of (angles, dev)")
    angles = np.linspace(0.0, np.pi, 7)
    dev = make_device("default.qubit", wires=1)
    with qml.Tracker(dev) as tracker:
        out = batch_expvals(angles, dev)
    values = _as_array(out, "batch_expvals(angles, dev)")
    expect(values.shape == (7,), f"7 angles should give 7 expectation values, got shape {values.shape}")
    expect(
        np.allclose(values, np.cos(angles), atol=1e-6),
        f"<Z> after RY(theta) is cos(theta); for angles {np.round(angles, 2).tolist()} "
        f"expected {np.round(np.cos(angles), 3).tolist()}, got {np.round(values, 3).tolist()}",
    )
    calls = tracker.totals.get("batches", 0)
    expect(calls > 0, "the QNode did not run on the device `dev` passed in: build it with qml.QNode(circuit, dev)")
    expect(calls == 1, f"the device was called {calls} times; pass the whole array in ONE call (no loop)")


@register(
    "ex-devices-shots-expval",
    "Estimate <Z> from measured bits",
    "A measured bit b = 0 means Z eigenvalue +1 and b = 1 means -1, i.e. z = 1 - 2b; average over the shots.",
    "expval_from_samples",
)
def _check_shots_expval(expval_from_samples: Any) -> None:
    expect(callable(expval_from_samples), "expval_from_samples should be a function of an array of bits")
    rng = np.random.default_rng(7)
    cases = [np.zeros(10, dtype=int), np.ones(10, dtype=int), np.array([0, 1, 1, 1]), rng.integers(0, 2, 1000)]
    for bits in cases:
        got = expval_from_samples(bits.copy())
        value = _as_array(got, "expval_from_samples(bits)")
        expect(value.size == 1, f"expval_from_samples should return one number, got shape {value.shape}")
        value = float(value.reshape(()))
        expected = float(np.mean(1 - 2 * bits))
        if abs(value - bits.mean()) < 1e-9 and abs(value - expected) > 1e-9:
            expect(False, "that is the fraction of 1s (the probability of |1>); <Z> maps 0 -> +1 and 1 -> -1")
        expect(
            abs(value - expected) < 1e-9,
            f"for bits {bits[:6].tolist()}{'...' if bits.size > 6 else ''} <Z> is {expected:.4f}, got {value:.4f}",
        )
