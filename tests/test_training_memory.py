import doctest

import pytest

from qgan_helpers.quantum import memory as training_memory
from qgan_helpers.quantum.memory import backprop_saved_bytes


def n_gates(n: int, layers: int) -> int:
    return n + layers * (2 * n - 1)  # encoding RYs, then per layer n RYs and n - 1 CZs


def test_backprop_keeps_states_in_proportion_to_gates_and_samples():
    n, layers, batch = 8, 4, 16
    states = backprop_saved_bytes(n, layers=layers, batch=batch) / (16 * 2**n)
    assert 0.25 * n_gates(n, layers) * batch < states < 4 * n_gates(n, layers) * batch, states


def test_saved_memory_grows_with_batch_layers_and_qubits():
    base = backprop_saved_bytes(8, layers=2, batch=8)
    assert backprop_saved_bytes(8, layers=2, batch=32) == pytest.approx(4 * base, rel=0.1)
    assert backprop_saved_bytes(8, layers=4, batch=8) > 1.5 * base
    assert backprop_saved_bytes(9, layers=2, batch=8) > 2 * base


def test_the_count_is_deterministic():
    assert backprop_saved_bytes(7, layers=2, batch=4, seed=0) == backprop_saved_bytes(7, layers=2, batch=4, seed=5)


@pytest.mark.parametrize("kwargs, match", [({"n_qubits": 0}, "n_qubits"), ({"n_qubits": 4, "batch": 2.5}, "batch"),
                                           ({"n_qubits": 4, "layers": -1}, "layers")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        backprop_saved_bytes(**kwargs)


def test_doctests():
    assert doctest.testmod(training_memory).failed == 0
