import doctest

import pytest

from qgan_helpers import training_memory
from qgan_helpers.training_memory import backprop_peak_bytes


def test_backprop_keeps_a_state_per_gate_and_sample():
    n, layers, batch = 12, 4, 16
    copies = backprop_peak_bytes(n, layers=layers, batch=batch) / (16 * 2**n)
    gates = n + layers * (2 * n - 1)  # encoding RYs, then per layer n RYs and n - 1 CZs
    # backpropagation keeps (at least) one intermediate state per gate and sample; a forward pass keeps a few
    assert copies > 0.3 * gates * batch, (copies, gates * batch)


def test_more_samples_need_more_memory():
    assert backprop_peak_bytes(12, layers=2, batch=64) > 2 * backprop_peak_bytes(12, layers=2, batch=8)


@pytest.mark.parametrize("kwargs, match", [({"n_qubits": 0}, "n_qubits"), ({"n_qubits": 4, "batch": 2.5}, "batch"),
                                           ({"n_qubits": 4, "layers": -1}, "layers")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        backprop_peak_bytes(**kwargs)


def test_doctests():
    assert doctest.testmod(training_memory).failed == 0
