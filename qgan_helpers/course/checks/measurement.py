"""Exercises of the chapter "Measurement" (book/measurement.ipynb)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import as_number as _as_number
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []






# --------------------------------------------------------------------------------------------
@register(
    "ex-measurement-expval",
    "Estimate <Z> of one qubit from sampled bits",
    "A shot that reads bit 0 has Z-eigenvalue +1 and a shot that reads 1 has -1, i.e. 1 - 2*bit; "
    "<Z> is estimated by the average eigenvalue over all shots.",
    "expval_from_bits",
)
def _check_expval(expval_from_bits: Any) -> None:
    expect(callable(expval_from_bits), "expval_from_bits should be a function of an array of bits")
    got = _as_number(expval_from_bits(np.array([0, 0, 0, 1])), "expval_from_bits([0, 0, 0, 1])")
    if abs(got - 0.75) < 1e-9:
        expect(False, "expval_from_bits([0, 0, 0, 1]) returned 0.75, the probability of reading 0; "
               "<Z> = P(0) - P(1) = 0.5")
    if abs(got - 0.25) < 1e-9:
        expect(False, "expval_from_bits([0, 0, 0, 1]) returned 0.25, the mean of the bits; "
               "<Z> averages the eigenvalues 1 - 2*bit")
    expect(abs(got - 0.5) < 1e-9, f"expval_from_bits([0, 0, 0, 1]) should be 0.5 (three +1, one -1), got {got}")
    expect(abs(_as_number(expval_from_bits(np.array([1, 1])), "expval_from_bits([1, 1])") + 1) < 1e-9,
           "two shots that both read 1 give <Z> = -1")
    rng = np.random.default_rng(3)
    for shots in (1, 7, 1000):
        bits = rng.integers(0, 2, shots)
        want = float(np.mean(1 - 2 * bits))
        got = _as_number(expval_from_bits(bits.copy()), f"expval_from_bits(<{shots} bits>)")
        expect(abs(got - want) < 1e-9, f"for {shots} random bits expected {want:.4f}, got {got:.4f}")


# --------------------------------------------------------------------------------------------
def _standard_error(expval: float, shots: float) -> float:
    return math.sqrt(max(0.0, 1.0 - expval**2) / shots)


@register(
    "ex-measurement-shots",
    "How many shots for a target standard error of <Z>?",
    "The standard error is sqrt((1 - <Z>**2) / shots). Solve for shots and round UP to an integer "
    "(math.ceil); at least one shot is always needed.",
    "shots_needed",
)
def _check_shots(shots_needed: Any) -> None:
    expect(callable(shots_needed), "shots_needed should be a function of (expval, target_error)")
    cases = [(0.0, 0.1, 100), (0.6, 0.01, 6400), (0.5, 0.03, 834), (0.2, 0.007, 19592), (-0.45, 0.04, 499), (1.0, 0.1, 1)]
    for expval, target, want in cases:
        got = shots_needed(expval, target)
        expect(
            isinstance(got, (int, np.integer, float, np.floating)) and not isinstance(got, bool),
            f"shots_needed({expval}, {target}) should return a whole number of shots, got {type(got).__name__}",
        )
        expect(math.isfinite(float(got)) and float(got).is_integer(),
               f"shots_needed({expval}, {target}) = {got} is not a whole number of shots (round up with math.ceil)")
        s = int(got)
        expect(s >= 1, f"shots_needed({expval}, {target}) = {s}: at least one shot is needed")
        tol = 1e-6 * target
        expect(_standard_error(expval, s) <= target + tol,
               f"shots_needed({expval}, {target}) = {s} is too few: its standard error is "
               f"{_standard_error(expval, s):.4g} > {target} (expected about {want})")
        if s > 1 and _standard_error(expval, s - 1) <= target - tol:
            expect(False, f"shots_needed({expval}, {target}) = {s} is more than needed: {s - 1} shots already reach "
                   f"{_standard_error(expval, s - 1):.4g} <= {target} (expected about {want})")


# --------------------------------------------------------------------------------------------
@register(
    "ex-measurement-postselect",
    "Post-select the first wire (the ancilla) on 0 and renormalise",
    "Wire 0 is the most significant bit of the index, so the outcomes with wire 0 = 0 are the FIRST half of "
    "the vector. Keep them and divide by their sum (the success probability).",
    "postselect_first_wire",
)
def _check_postselect(postselect_first_wire: Any) -> None:
    expect(callable(postselect_first_wire), "postselect_first_wire should be a function of a probability vector")
    rng = np.random.default_rng(5)
    for n in (2, 3, 5):
        p = rng.random(2**n)
        p[2 ** (n - 1):] *= 3  # most of the weight on ancilla = 1, so a wrong half is obvious
        p /= p.sum()
        got = _as_array(postselect_first_wire(p.copy()), f"postselect_first_wire(<{n}-wire probabilities>)")
        expect(got.shape == (2 ** (n - 1),),
               f"for {n} wires the result should have 2**{n - 1} = {2 ** (n - 1)} entries, got shape {got.shape}")
        half = p[: 2 ** (n - 1)]
        want = half / half.sum()
        if np.allclose(got, half):
            expect(False, "the kept probabilities are right but not renormalised: divide by their sum")
        second = p[2 ** (n - 1):]
        if np.allclose(got, second / second.sum()) or np.allclose(got, second):
            expect(False, "that is the half where the ancilla reads 1; wire 0 = 0 is the FIRST half")
        expect(abs(got.sum() - 1) < 1e-9, f"a conditional distribution sums to 1, yours sums to {got.sum():.4f}")
        expect(np.allclose(got, want, atol=1e-9),
               f"for {n} wires expected {np.round(want, 3).tolist()}, got {np.round(got, 3).tolist()}")


# --------------------------------------------------------------------------------------------
_GEN_WIRES = 4


def _reference_generator(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    from qgan_helpers.quantum.circuits import angle_encoding, seed_ansatz

    @qml.qnode(qml.device("default.qubit", wires=_GEN_WIRES))
    def circuit(z, weights):
        angle_encoding(z, _GEN_WIRES)
        seed_ansatz(weights, _GEN_WIRES)
        return qml.probs(wires=range(_GEN_WIRES))

    return np.asarray(circuit(z, weights), dtype=float)


@register(
    "ex-measurement-generator",
    "A generator QNode that uses its latent vector z",
    "Inside a QNode on 4 wires: angle_encoding(z, 4) first (RY(z_i) on wire i), then seed_ansatz(weights, 4), "
    "and return probs(4). The seed's bug was the missing first line.",
    "fixed_generator",
)
def _check_generator(fixed_generator: Any) -> None:
    expect(callable(fixed_generator), "fixed_generator should be a function (a QNode) of (z, weights)")
    rng = np.random.default_rng(11)
    weights = rng.uniform(0, 2 * np.pi, (2, _GEN_WIRES, 3))
    zs = [rng.uniform(0, np.pi, _GEN_WIRES) for _ in range(3)]
    outs = []
    for z in zs:
        got = _as_array(fixed_generator(z.copy(), weights.copy()), "fixed_generator(z, weights)")
        expect(got.shape == (2**_GEN_WIRES,),
               f"fixed_generator should return the 16 probabilities of 4 wires, got shape {got.shape}")
        expect(np.all(got >= -1e-9) and abs(got.sum() - 1) < 1e-6,
               f"the output should be probabilities (non-negative, summing to 1); it sums to {got.sum():.4f}")
        outs.append(got)
    expect(not np.allclose(outs[0], outs[1], atol=1e-9) or not np.allclose(outs[1], outs[2], atol=1e-9),
           "the output is the same for every z: z still does not enter the circuit (that was the seed's bug)")
    for z, got in zip(zs, outs):
        want = _reference_generator(z, weights)
        expect(np.allclose(got, want, atol=1e-6),
               "the output depends on z but differs from angle_encoding(z, 4) followed by seed_ansatz(weights, 4) "
               f"(max difference {np.abs(got - want).max():.3g}); encode z first, with RY rotations")
