"""The Born and QBM chapters' checks look at what was built or measured: hard-coded answers fail.

* ``ex-born-circuit`` records the learner's gates: a function that returns the right probabilities
  without applying gates fails, and so do circuits with the wrong entangling pattern.
* ``ex-born-train`` measures the returned circuit itself: an untrained circuit fails, and so does a
  probability vector.
* ``ex-qbm-hamiltonian`` is called on random fields and couplings: a written-out matrix fails.
* ``ex-qbm-exact`` reads which gradient and model each run used and measures each model's KL itself.
"""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.born.bars_stripes import bas_distribution
from qgan_helpers.born.qbm import QBM, fit_boltzmann
from qgan_helpers.born.qcbm import QCBM, qcbm_ansatz
from qgan_helpers.course.checks import exercise


def test_circuit_check_refuses_probabilities_computed_without_gates():
    ex = exercise("ex-born-circuit")

    def hard_coded(weights, rows, cols):  # the right numbers, from a simulator, but no gates applied
        dev = qml.device("default.qubit", wires=rows * cols)

        @qml.qnode(dev)
        def circuit():
            ex.load_solution()(weights, rows, cols)
            return qml.probs()

        return circuit()

    result = ex.check(hard_coded, verbose=False)
    assert result.status == "not yet" and "applied no gates" in result.reason


@pytest.mark.parametrize("pairs, reason", [
    (lambda r, c: [(a, a + 1) for a in range(r * c - 1)], "CNOTs"),  # a chain: wrong count
    (lambda r, c: [(b, a) for a, b in _grid(r, c)], "swapped"),
    (lambda r, c: _grid(r, c)[:-1] + [(0, r * c - 1)], "not neighbours"),
])
def test_circuit_check_names_the_wrong_entangling_pattern(pairs, reason):
    ex = exercise("ex-born-circuit")

    def circuit(weights, rows, cols):
        qcbm_ansatz(weights, rows * cols, pairs(rows, cols))

    result = ex.check(circuit, verbose=False)
    assert result.status == "not yet" and reason in result.reason, result.reason
    assert ex.check(lambda w, r, c: qcbm_ansatz(w, r * c, _grid(r, c)), verbose=False)


def _grid(rows, cols):
    from qgan_helpers.born.qcbm_circuit import grid_pairs

    return grid_pairs(rows, cols)


def test_training_experiment_measures_the_returned_circuit():
    ex = exercise("ex-born-train")
    untrained = ex.check(lambda steps, seed: QCBM(4, 2, "grid", (2, 2), init_seed=seed), verbose=False)
    assert untrained.status == "not yet" and "untrained" in untrained.reason
    probs = ex.check(lambda steps, seed: torch.as_tensor(bas_distribution(2, 2)), verbose=False)
    assert probs.status == "not yet" and "should return the trained QCBM" in probs.reason

    def too_short(steps, seed):  # a model trained for 2 steps: measured, not good enough
        return ex.load_solution()(2, seed)

    short = ex.check(too_short, verbose=False)
    assert short.status == "not yet" and "fivefold" in short.reason


def test_hamiltonian_check_uses_random_inputs_and_explains_mistakes():
    ex = exercise("ex-qbm-hamiltonian")
    solution = ex.load_solution()
    written_out = solution(np.array([0.7]), np.zeros((1, 1)), 0.0)
    assert ex.check(lambda b, w, gamma: written_out, verbose=False).status == "not yet"
    flipped = ex.check(lambda b, w, gamma: -solution(b, w, gamma), verbose=False)
    assert "opposite sign" in flipped.reason
    no_field = ex.check(lambda b, w, gamma: solution(b, w, 0.0), verbose=False)
    assert "off-diagonal" in no_field.reason


def test_exact_experiment_reads_the_gradient_and_measures_the_models():
    ex = exercise("ex-qbm-exact")
    p22 = bas_distribution(2, 2)

    def both_bound(steps):
        return {name: fit_boltzmann(QBM(4, 3, gamma=1.0, init_seed=0), p22, steps=steps, lr=0.1)
                for name in ("bound", "exact")}

    result = ex.check(both_bound, verbose=False)
    assert result.status == "not yet" and "gradient='exact'" in result.reason

    def tampered(steps):  # the reported number does not belong to the returned model
        fits = ex.load_solution()(steps)
        fits["exact"].metrics["kl"] = 0.0
        return fits

    result = ex.check(tampered, verbose=False)
    assert result.status == "not yet" and "reports" in result.reason
