"""Exercises of the chapter "Measurement" (book/measurement.ipynb).

:func:`patch_fit_error` is the reference of the ancilla experiment (``ex-measurement-ancilla``): the
check compares the learner's measured fit errors with it, and the page reports its measurement over
several seeds with the same function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import as_number as _as_number
from qgan_helpers.course.checks import expect, register
from qgan_helpers.course.checks.devices import last_circuit, recorded_executions, run_ops

__all__ = ["patch_fit_error"]

# --------------------------------------------------------------------------------------------
@register(
    "ex-measurement-postselect",
    "Post-select the first wire (the ancilla) on 0 and renormalise",
    [
        "Which entries of the probability vector belong to outcomes in which wire 0 reads 0? Remember the "
        "bit order: wire 0 is the most significant bit of the index.",
        "Wire 0 is the most significant bit, so the outcomes with wire 0 = 0 are the FIRST half of the "
        "vector. Keep them; what must a conditional distribution sum to?",
        "kept = probs[: len(probs) // 2]; return kept / kept.sum() (the sum is the success probability).",
    ],
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
    [
        "The seed's circuit never used z. Where in the circuit must z go so that the trained layers act on "
        "a state that depends on it?",
        "Inside a QNode on 4 wires: angle_encoding(z, 4) first (RY(z_i) on wire i), then "
        "seed_ansatz(weights, 4), and return probs(4).",
        "dev = qml.device('default.qubit', wires=4); decorate def fixed_generator(z, weights): with "
        "@qml.qnode(dev); its body is angle_encoding(z, 4); seed_ansatz(weights, 4); return probs(4).",
    ],
    "fixed_generator",
)
def _check_generator(fixed_generator: Any) -> None:
    expect(callable(fixed_generator), "fixed_generator should be a function (a QNode) of (z, weights)")
    rng = np.random.default_rng(11)
    weights = rng.uniform(0, 2 * np.pi, (2, _GEN_WIRES, 3))
    zs = [rng.uniform(0, np.pi, _GEN_WIRES) for _ in range(3)]
    outs = []
    for z in zs:
        with recorded_executions() as seen:
            got = _as_array(fixed_generator(z.copy(), weights.copy()), "fixed_generator(z, weights)")
        expect(got.shape == (2**_GEN_WIRES,),
               f"fixed_generator should return the 16 probabilities of 4 wires, got shape {got.shape}")
        expect(np.all(got >= -1e-9) and abs(got.sum() - 1) < 1e-6,
               f"the output should be probabilities (non-negative, summing to 1); it sums to {got.sum():.4f}")
        circuit = last_circuit(seen, "fixed_generator(z, weights)", fixed_generator)
        if circuit is not None:  # None: the grader runs the answer in its sandbox
            ops = list(circuit.operations)
            first = ops[:_GEN_WIRES]
            expect(all(op.name == "RY" for op in first)
                   and sorted(op.wires[0] for op in first) == list(range(_GEN_WIRES))
                   and np.allclose(sorted(float(op.parameters[0]) for op in first), sorted(z), atol=1e-9),
                   "the circuit should start with the latent vector, RY(z_i) on every wire i, before the trained "
                   "layers")
            expect(sum(op.name == "CNOT" for op in ops) == 3 * len(weights),
                   f"expected the seed ansatz's {3 * len(weights)} CNOTs after the encoding, your circuit has "
                   f"{sum(op.name == 'CNOT' for op in ops)}")
            expect(np.allclose(run_ops(ops, list(range(_GEN_WIRES))), got, atol=1e-8),
                   "the numbers returned are not what the circuit measures; return the QNode's result")
        outs.append(got)
    expect(not np.allclose(outs[0], outs[1], atol=1e-9) or not np.allclose(outs[1], outs[2], atol=1e-9),
           "the output is the same for every z: z still does not enter the circuit (that was the seed's bug)")
    for z, got in zip(zs, outs):
        want = _reference_generator(z, weights)
        expect(np.allclose(got, want, atol=1e-6),
               "the output depends on z but differs from angle_encoding(z, 4) followed by seed_ansatz(weights, 4) "
               f"(max difference {np.abs(got - want).max():.3g}); encode z first, with RY rotations")


# --------------------------------------------------------------------------------------------
def _pixels_reference(probs: np.ndarray, n_ancillas: int) -> np.ndarray:
    from qgan_helpers.quantum.postselection import postselect, to_pixels

    return np.asarray(to_pixels(postselect(probs, n_ancillas)), dtype=float)


@register(
    "ex-measurement-patch-pixels",
    "From a sub-generator's raw probabilities to its patch of pixels",
    [
        "Two steps: post-select (keep the outcomes in which EVERY ancilla reads 0), then map the kept "
        "probabilities to pixels (divide by their largest value). The ancillas are the first, most "
        "significant wires.",
        "With n_ancillas ancillas on the most significant wires, the outcomes in which all of them read 0 "
        "are the first 2**(n - n_ancillas) entries of the vector, where n = log2(len(probs)).",
        "kept = probs[: len(probs) // 2**n_ancillas]; return kept / kept.max(). Dividing by kept.sum() "
        "first is allowed, and changes nothing: the scale cancels in the division by the maximum.",
    ],
    "patch_pixels",
)
def _check_patch_pixels(patch_pixels: Any) -> None:
    expect(callable(patch_pixels), "patch_pixels should be a function of (probs, n_ancillas)")
    rng = np.random.default_rng(2021)
    for n, n_anc in ((2, 1), (3, 0), (4, 2), (5, 1), (6, 2), (6, 3)):
        p = rng.random(2**n) ** 2
        p[2 ** (n - n_anc):] *= 4  # most weight where an ancilla reads 1, so a wrong block is obvious
        p /= p.sum()
        what = f"patch_pixels(<{n}-wire probabilities>, {n_anc})"
        got = _as_array(patch_pixels(p.copy(), n_anc), what)
        size = 2 ** (n - n_anc)
        expect(got.shape == (size,), f"{what} should return 2**({n} - {n_anc}) = {size} pixels, got shape "
               f"{got.shape}")
        want = _pixels_reference(p, n_anc)
        if np.allclose(want, got, atol=1e-9):
            continue
        kept = p[:size]
        expect(not np.allclose(got, kept / kept.sum(), atol=1e-9),
               f"{what}: these are the post-selected probabilities; pixels divide them by their largest value")
        strided = p[:: 2**n_anc] if n_anc else p
        expect(not (n_anc and np.allclose(got, strided / strided.max(), atol=1e-9)),
               f"{what}: you kept one entry in every {2**n_anc}, as if the ancillas were the LAST wires; they are "
               "the first (most significant), so the outcomes in which they read 0 form the first block")
        expect(False, f"{what}: expected {np.round(want, 3).tolist()}, got {np.round(got, 3).tolist()}")


# --------------------------------------------------------------------------------------------
_FIT_GENERATORS, _FIT_DEPTH, _FIT_STEPS, _FIT_LR = 4, 6, 60, 0.1


def _random_target() -> Any:
    """A (4, 16) target image for the check: random pixels, each patch's brightest pixel 1."""
    import torch

    target = np.random.default_rng(16).random((_FIT_GENERATORS, 16))
    return torch.tensor(target / target.max(axis=-1, keepdims=True))


def patch_fit_error(n_qubits: int, n_ancillas: int, seed: int, target: Any, steps: int = _FIT_STEPS) -> float:
    """Fit four patch sub-generators to ``target`` (shape (4, 2**(n_qubits - n_ancillas))) and return
    the mean squared pixel error after ``steps`` Adam steps (learning rate 0.1).

    The recipe of the page's fit, for any number of qubits and ancillas: ``rng =
    np.random.default_rng(seed)``; one latent vector ``z = rng.uniform(0, pi/2, n_qubits)`` shared by
    the four sub-generators; initial weights ``rng.uniform(0, pi, (4, 6, n_qubits))``; each circuit is
    ``angle_encoding(z)`` then ``patch_ansatz(weights)`` (depth 6), read out as
    ``to_pixels(postselect(probs, n_ancillas))``.
    """
    import torch

    from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz
    from qgan_helpers.quantum.devices import make_qnode
    from qgan_helpers.quantum.postselection import postselect, to_pixels

    def circuit(z: Any, weights: Any) -> Any:
        angle_encoding(z, n_qubits)
        patch_ansatz(weights, n_qubits)
        return qml.probs(wires=range(n_qubits))

    qnode = make_qnode(circuit, wires=n_qubits, diff_method="backprop")
    rng = np.random.default_rng(seed)
    z = torch.tensor(rng.uniform(0, np.pi / 2, n_qubits)).expand(_FIT_GENERATORS, n_qubits)
    initial = rng.uniform(0, np.pi, (_FIT_GENERATORS, _FIT_DEPTH, n_qubits))
    weights = torch.tensor(initial, requires_grad=True)
    optimiser = torch.optim.Adam([weights], lr=_FIT_LR)

    def error() -> Any:
        return ((to_pixels(postselect(qnode(z, weights), n_ancillas)) - target) ** 2).mean()

    for _ in range(steps):
        optimiser.zero_grad()
        error().backward()
        optimiser.step()
    with torch.no_grad():
        return float(error())


@register(
    "ex-measurement-ancilla",
    "Remove the ancilla and measure what changes in the fit",
    [
        "Start from the fitting cell above and make the two numbers it hard-wires, 5 qubits and 1 ancilla, "
        "arguments. Both settings must give 16 outcomes per patch, so without the ancilla you need 4 qubits.",
        "Follow the recipe in order, since the random numbers must come out the same: rng = "
        "np.random.default_rng(seed); z = torch.tensor(rng.uniform(0, np.pi / 2, n_qubits)); weights from "
        "rng.uniform(0, np.pi, (4, 6, n_qubits)); a backprop QNode on n_qubits wires; 60 Adam steps, lr 0.1.",
        "The image is to_pixels(postselect(qnode(z.expand(4, n_qubits), weights), n_ancillas)); the loss is its "
        "mean squared difference from target. After the loop return float(loss) of the trained weights "
        "(under torch.no_grad()). postselect(p, 0) returns p unchanged.",
    ],
    "fit_error",
)
def _check_ancilla(fit_error: Any) -> None:
    expect(callable(fit_error), "fit_error should be a function of (n_qubits, n_ancillas, seed, target)")
    target = _random_target()
    for n_qubits, n_ancillas, seed in ((4, 0, 7), (5, 1, 7)):
        what = f"fit_error({n_qubits}, {n_ancillas}, seed={seed}, target)"
        with recorded_executions() as seen:
            got = _as_number(fit_error(n_qubits, n_ancillas, seed, target.clone()), what)
        circuit = last_circuit(seen, what, fit_error)
        if circuit is not None:  # None: the grader runs the answer in its sandbox
            expect(len(circuit.wires) == n_qubits,
                   f"{what}: the circuits ran on {len(circuit.wires)} wires; the sub-generator has {n_qubits}")
            names = sorted({op.name for op in circuit.operations} - {"RY", "CZ"})
            expect(not names, f"{what}: the circuit uses {', '.join(names)}; the patch sub-generator is RY "
                   "and CZ")
            expect(len(seen) >= _FIT_STEPS, f"{what}: the circuit ran {len(seen)} times; 60 Adam steps need "
                   "at least one run per step")
        want = patch_fit_error(n_qubits, n_ancillas, seed, target)
        start = patch_fit_error(n_qubits, n_ancillas, seed, target, steps=0)
        expect(got < start, f"{what} = {got:.5f} is no lower than the error of the initial weights "
               f"({start:.5f}): return the error after training")
        expect(abs(got - want) <= 1e-4 * want + 1e-9,
               f"{what} = {got:.6f}, the recipe gives {want:.6f}: draw z and then the weights from "
               "np.random.default_rng(seed) in that order, depth 6, Adam with lr 0.1 for 60 steps")
