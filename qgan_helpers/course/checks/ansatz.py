"""Exercises of the chapter "The ansatz" (book/ansatz.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _numbers
from qgan_helpers.course.checks import expect, register
from qgan_helpers.course.checks.devices import last_circuit, recorded_executions, run_ops
from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz, seed_ansatz, seed_weight_shape
from qgan_helpers.quantum.expressibility import haar_random_states, meyer_wallach

__all__: list[str] = []


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)




# -- 1. parameter and CNOT count of the seed ansatz -------------------------------------------------
def _seed_costs_reference(layers: int, n_wires: int) -> tuple[int, int]:
    tape = qml.tape.make_qscript(seed_ansatz)(np.zeros(seed_weight_shape(layers, n_wires)), n_wires)
    n_parameters = sum(len(op.parameters) for op in tape.operations)
    n_cnots = sum(op.name == "CNOT" for op in tape.operations)
    return n_parameters, n_cnots


@register(
    "ex-ansatz-count",
    "Count the trainable angles and the CNOTs of the seed ansatz",
    [
        "Count one layer first, then multiply by the number of layers. Look at the drawing above: what "
        "does one layer put on each wire, and between which wires does it put CNOTs?",
        "One layer has RX, RY and RZ on every wire (three angles per wire) and one CNOT between each pair "
        "of neighbouring wires. How many neighbouring pairs does a chain of n_wires have?",
        "A chain of n_wires has n_wires - 1 neighbouring pairs: return (3 * layers * n_wires, "
        "layers * (n_wires - 1)).",
    ],
    "seed_costs",
)
def _check_count(seed_costs: Any) -> None:
    expect(callable(seed_costs), "seed_costs should be a function: def seed_costs(layers, n_wires): ...")
    for layers, n_wires in ((1, 4), (2, 4), (3, 5), (5, 1), (4, 7)):
        got = seed_costs(layers, n_wires)
        expect(
            isinstance(got, (tuple, list)) and len(got) == 2,
            f"seed_costs({layers}, {n_wires}) should return a pair (n_parameters, n_cnots), got {got!r}",
        )
        expect(
            all(_is_number(v) and float(v).is_integer() for v in got),
            f"seed_costs({layers}, {n_wires}) should return two whole numbers, got {got!r}",
        )
        params, cnots = _seed_costs_reference(layers, n_wires)
        if got[0] == layers * n_wires:
            expect(False, f"seed_costs({layers}, {n_wires}): {got[0]} angles counts one rotation per wire; "
                   "each wire gets three (RX, RY, RZ)")
        expect(got[0] == params, f"seed_costs({layers}, {n_wires}): expected {params} trainable angles, got {got[0]}")
        if got[1] == layers * n_wires:
            expect(False, f"seed_costs({layers}, {n_wires}): {got[1]} CNOTs is one per wire; a chain of "
                   f"{n_wires} wires has {n_wires - 1} neighbouring pairs")
        expect(got[1] == cnots, f"seed_costs({layers}, {n_wires}): expected {cnots} CNOTs, got {got[1]}")


# -- 2. the patch sub-generator -------------------------------------------------------------------------------
def _patch_generator_reference(z: np.ndarray, weights: np.ndarray, encode: bool = True) -> np.ndarray:
    n = len(z)

    def circuit():
        if encode:
            angle_encoding(z, n, rotation="Y")
        patch_ansatz(weights, n)
        return qml.probs(wires=range(n))

    return np.asarray(qml.QNode(circuit, qml.device("default.qubit", wires=n))())


@register(
    "ex-ansatz-generator",
    "Write the patch sub-generator: encode z with RY, apply the patch layers, return the probabilities",
    [
        "The function builds a QNode on n = len(z) wires, calls it and returns its probabilities. The order "
        "inside the circuit matters: the latent vector goes in first, the trained layers come after.",
        "Inside the QNode: qml.RY(z[i], wires=i) on every wire (or angle_encoding(z, n)), then "
        "patch_ansatz(weights, n) (or your own loop over the layers: RY on every wire, CZ between "
        "neighbours), and return qml.probs(wires=range(n)).",
        "dev = qml.device('default.qubit', wires=n); decorate def circuit(): angle_encoding(z, n); "
        "patch_ansatz(weights, n); return qml.probs(wires=range(n)) with @qml.qnode(dev); return circuit().",
    ],
    "patch_generator_probs",
)
def _check_generator(patch_generator_probs: Any) -> None:
    expect(callable(patch_generator_probs),
           "patch_generator_probs should be a function: def patch_generator_probs(z, weights): ...")
    rng = np.random.default_rng(2021)
    for n, depth in ((2, 1), (3, 2), (4, 3)):
        z = rng.uniform(0.2, np.pi - 0.2, size=n)
        w = rng.uniform(0.2, 2 * np.pi - 0.2, size=(depth, n))
        what = f"patch_generator_probs(z, weights) on {n} qubits, depth {depth}"
        with recorded_executions() as seen:
            got = _numbers(patch_generator_probs(z.copy(), w.copy()), what)
        expect(got.shape == (2**n,), f"{what} should return {2**n} probabilities, got shape {got.shape}")
        circuit = last_circuit(seen, what, patch_generator_probs)
        if circuit is not None:  # None: the grader runs the answer in its sandbox
            ops = list(circuit.operations)
            names = sorted({op.name for op in ops} - {"RY", "CZ"})
            expect(not names, f"{what}: your circuit uses {', '.join(names)}; the patch sub-generator is built "
                   "from RY rotations (the encoding and the layers) and CZ gates only")
            expect(sum(op.name == "CZ" for op in ops) == depth * (n - 1),
                   f"{what}: expected {depth * (n - 1)} CZ gates ({depth} layers of a chain of {n - 1}), your "
                   f"circuit has {sum(op.name == 'CZ' for op in ops)}")
            first = ops[:n]
            expect(all(op.name == "RY" for op in first)
                   and sorted(op.wires[0] for op in first) == list(range(n))
                   and np.allclose(sorted(float(op.parameters[0]) for op in first), sorted(z), atol=1e-9),
                   f"{what}: the circuit should start with the encoding, RY(z[i]) on every wire i, before the "
                   "trained layers")
            expect(np.allclose(run_ops(ops, list(range(n))), got, atol=1e-8),
                   f"{what}: the numbers returned are not what the circuit measures; return the QNode's result")
        expect(abs(got.sum() - 1) < 1e-6, f"{what}: the probabilities should sum to 1, they sum to {got.sum():.4f}")
        if np.allclose(got, _patch_generator_reference(z, w, encode=False), atol=1e-8):
            expect(False, f"{what}: the result does not depend on z; encode it with RY(z[i]) on wire i first")
        expect(np.allclose(got, _patch_generator_reference(z, w), atol=1e-8),
               f"{what}: the probabilities differ from RY(z) followed by the patch layers; check the order "
               "(encoding first), the RY angles weights[layer, i] and the CZ chain (0, 1), (1, 2), ...")


# -- 3. Meyer--Wallach of one state -------------------------------------------------------------------------
def _mw_cases() -> list[tuple[str, np.ndarray]]:
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    ghz = np.zeros(8)
    ghz[0] = ghz[-1] = 1 / np.sqrt(2)
    w = np.zeros(8)
    w[[1, 2, 4]] = 1 / np.sqrt(3)
    plus = np.array([1, 1]) / np.sqrt(2)
    product = np.kron(np.kron(plus, [1, 0]), np.array([np.cos(0.4), np.sin(0.4)]))
    partial = np.kron(bell, [1, 0])  # qubits 0 and 1 entangled, qubit 2 not: Q = 2/3
    cases = [("|000>", np.eye(8)[0]), ("a product state", product), ("a Bell state", bell),
             ("a GHZ state", ghz), ("the W state", w), ("a Bell pair next to |0>", partial)]
    cases += [(f"a random 4-qubit state #{i}", s) for i, s in enumerate(haar_random_states(3, 4, rng=7))]
    return cases


@register(
    "ex-ansatz-mw",
    "Compute the Meyer-Wallach entanglement of a state vector",
    [
        "Q needs the purity of every single qubit's reduced state: Q = 2 * (1 - mean over k of "
        "trace(rho_k @ rho_k)). The qubits page computed a reduced state by reshaping the amplitudes.",
        "Reshape the 2**n amplitudes to n axes of size 2, psi.reshape((2,) * n). For qubit k, move its axis "
        "to the front and flatten the rest into a 2 x 2**(n-1) matrix m.",
        "m = np.moveaxis(psi.reshape((2,) * n), k, 0).reshape(2, -1); rho_k = m @ m.conj().T; purity = "
        "np.real(np.trace(rho_k @ rho_k)); return 2 * (1 - mean of the n purities).",
    ],
    "mw_entanglement",
)
def _check_mw(mw_entanglement: Any) -> None:
    expect(callable(mw_entanglement), "mw_entanglement should be a function: def mw_entanglement(state): ...")
    for name, state in _mw_cases():
        got = _numbers(mw_entanglement(state.copy()), f"mw_entanglement({name})")
        expect(got.size == 1, f"mw_entanglement({name}) should return one number, got shape {got.shape}")
        expected = meyer_wallach(state)
        expect(
            abs(float(got.ravel()[0]) - expected) < 1e-6,
            f"for {name} Q should be {expected:.4f}, got {float(got.ravel()[0]):.4f}",
        )


# -- 4. amplitude encoding --------------------------------------------------------------------------------------
@register(
    "ex-ansatz-amplitude",
    "Amplitude-encode a vector and return the measurement probabilities",
    [
        "How many qubits hold len(z) amplitudes? And what must be true of a vector before it can be the "
        "state of a register?",
        "n = int(np.log2(len(z))) qubits; a state has norm 1, so divide z by np.linalg.norm(z). PennyLane "
        "prepares a given state vector with qml.StatePrep.",
        "In a QNode on n wires: qml.StatePrep(z / np.linalg.norm(z), wires=range(n)) (or "
        "amplitude_encoding(z, n)), return qml.probs(wires=range(n)); call it and return the result.",
    ],
    "amplitude_probabilities",
)
def _check_amplitude(amplitude_probabilities: Any) -> None:
    expect(callable(amplitude_probabilities),
           "amplitude_probabilities should be a function: def amplitude_probabilities(z): ...")
    rng = np.random.default_rng(16)
    for dim in (4, 8, 16):
        z = rng.normal(size=dim)
        what = f"amplitude_probabilities(<length-{dim} vector>)"
        with recorded_executions() as seen:
            got = _numbers(amplitude_probabilities(z.copy()), what)
        expect(got.shape == (dim,), f"a length-{dim} vector gives {dim} probabilities, got shape {got.shape}")
        expect(abs(got.sum() - 1) < 1e-6,
               f"the probabilities should sum to 1, they sum to {got.sum():.4f} (did you normalise z?)")
        expected = z**2 / np.sum(z**2)
        expect(np.allclose(got, expected, atol=1e-8),
               f"for a length-{dim} vector z the probabilities should be z**2 / sum(z**2)")
        n = dim.bit_length() - 1
        circuit = last_circuit(seen, what, amplitude_probabilities)
        if circuit is not None:  # None: the grader runs the answer in its sandbox
            ops = list(circuit.operations)
            used = sorted({w for op in ops for w in op.wires.tolist()})
            expect(used == list(range(n)), f"{what}: a length-{dim} vector needs the amplitudes of {n} qubits, "
                   f"your circuit acts on wires {used}")
            expect(np.allclose(run_ops(ops, list(range(n))), got, atol=1e-8),
                   f"{what}: the numbers returned are not what the circuit measures; return the QNode's result")
