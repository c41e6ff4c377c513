"""The same mistake raises the same error in every module (issue 12).

For a public function of each module that checks counts, seeds, numbers or probabilities, a value
of the wrong kind (``2.5``, ``"3"`` or ``True`` for an integer) must raise
:class:`~qgan_helpers.validation.ArgumentTypeError` -- a ``TypeError`` *and* a ``ValueError`` -- and
a value out of range (``0`` or ``-1``) a plain ``ValueError``, both with exactly the message
:mod:`qgan_helpers.validation` writes, which starts with the argument's name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from qgan_helpers import data, hybrid, plotting, training, validation
from qgan_helpers.born import bars_stripes, qbm, rbm
from qgan_helpers.born import baselines as born_baseline
from qgan_helpers.born import metrics as born_metrics
from qgan_helpers.born import prior as born_prior
from qgan_helpers.born import qcbm as born
from qgan_helpers.born import runs as born_runs
from qgan_helpers.hardware import budgets, noise, remote
from qgan_helpers.models import discriminators, patch
from qgan_helpers.quantum import circuits, devices, expressibility, gradients, measurement
from qgan_helpers.validation import ArgumentTypeError

PACKAGE = Path(validation.__file__).resolve().parent

# Each rule is the validator that defines the error: rule(name, value).
POSITIVE_INT = validation.positive_int
NON_NEGATIVE_INT = validation.non_negative_int


def _bounded(low: int, high: int | None = None) -> Callable[[str, Any], Any]:
    return lambda name, value: validation.integer(name, value, low, high)


def _number_at_least(low: float) -> Callable[[str, Any], Any]:
    return lambda name, value: validation.number(name, value, low)


# (call(value), argument name, rule); the id says which public function is called.
INTEGER_CASES = {
    "devices.memory_bytes(n_qubits)": (lambda v: devices.memory_bytes(v), "n_qubits", NON_NEGATIVE_INT),
    "devices.memory_bytes(dtype_bytes)": (lambda v: devices.memory_bytes(3, dtype_bytes=v), "dtype_bytes", POSITIVE_INT),
    "devices.make_device(seed)": (lambda v: devices.make_device("default.qubit", 2, seed=v), "seed", NON_NEGATIVE_INT),
    "devices.time_circuit(n_qubits)": (lambda v: devices.time_circuit("default.qubit", v), "n_qubits", POSITIVE_INT),
    "expressibility.haar_random_states(n_states)": (
        lambda v: expressibility.haar_random_states(v, 2), "n_states", POSITIVE_INT),
    "expressibility.fidelity_histogram(bins)": (
        lambda v: expressibility.fidelity_histogram([0.5], bins=v), "bins", _bounded(2)),
    "born.QCBM(layers)": (lambda v: born.QCBM(n_qubits=4, layers=v, entanglers="ring", grid_shape=None), "layers",
                          POSITIVE_INT),
    "circuits.seed_weight_shape(layers)": (lambda v: circuits.seed_weight_shape(v, 2), "layers", POSITIVE_INT),
    "training.sample_noise(n)": (lambda v: training.sample_noise(v, 4), "n", POSITIVE_INT),
    "training.SampleGridCallback(seed)": (lambda v: training.SampleGridCallback(seed=v), "seed", NON_NEGATIVE_INT),
    "data.make_dataloader(batch_size)": (
        lambda v: data.make_dataloader(torch.zeros(4, 8, 8), torch.zeros(4, dtype=torch.long), batch_size=v),
        "batch_size", POSITIVE_INT),
    "data.make_dataloader(seed)": (
        lambda v: data.make_dataloader(torch.zeros(4, 8, 8), torch.zeros(4, dtype=torch.long), batch_size=2, seed=v),
        "seed", NON_NEGATIVE_INT),
    "discriminators.MLPDiscriminator(n_pixels)": (
        lambda v: discriminators.MLPDiscriminator(n_pixels=v), "n_pixels", POSITIVE_INT),
    "discriminators.MLPDiscriminator(n_classes)": (
        lambda v: discriminators.MLPDiscriminator(n_classes=v), "n_classes", NON_NEGATIVE_INT),
    "plotting.moving_average(window)": (lambda v: plotting.moving_average([1.0, 2.0], v), "window", POSITIVE_INT),
    "gradients.weight_shape(layers)": (lambda v: gradients.weight_shape("seed", v, 2), "layers", POSITIVE_INT),
    "qbm.transverse_field_matrix(n)": (lambda v: qbm.transverse_field_matrix(v), "n", _bounded(0, qbm.MAX_QUBITS)),
    "qbm.QBM(n_visible)": (lambda v: qbm.QBM(v), "n_visible", POSITIVE_INT),
    "rbm.RBM(n_visible)": (lambda v: rbm.RBM(v), "n_visible", _bounded(1, rbm.MAX_VISIBLE)),
    "born_prior.PriorGAN(latent_dim)": (
        lambda v: born_prior.PriorGAN(prior="bits", latent_dim=v), "latent_dim", POSITIVE_INT),
    "born_baseline.make_baseline(n_starts)": (
        lambda v: born_baseline.make_baseline("nade", n_bits=4, max_params=40, n_starts=v), "n_starts", POSITIVE_INT),
    "patch.PatchQuantumGenerator(n_qubits)": (
        lambda v: patch.PatchQuantumGenerator(n_qubits=v), "n_qubits", POSITIVE_INT),
    "measurement.empirical_probs(n_wires)": (
        lambda v: measurement.empirical_probs(np.zeros((3, 2), dtype=int), v), "n_wires", POSITIVE_INT),
    "bars_stripes.bars_and_stripes(rows)": (lambda v: bars_stripes.bars_and_stripes(v, 2), "rows", POSITIVE_INT),
    "born_runs.sample_bitstrings(n)": (
        lambda v: born_runs.sample_bitstrings("never-read.pt", v, seed=0), "n", POSITIVE_INT),
    "born_runs.sample_bitstrings(seed)": (
        lambda v: born_runs.sample_bitstrings("never-read.pt", 2, seed=v), "seed", NON_NEGATIVE_INT),
    "born_metrics.hamming_kernel_matrix(n_bits)": (
        lambda v: born_metrics.hamming_kernel_matrix(v), "n_bits", POSITIVE_INT),
    "hybrid.random_features(dim)": (lambda v: hybrid.random_features(torch.rand(2, 28, 28), v), "dim", POSITIVE_INT),
    "hardware.budgets.device_time(executions)": (
        lambda v: budgets.device_time(v, 100, 1.0), "executions", POSITIVE_INT),
    "hardware.remote.remote_device(wires)": (
        lambda v: remote.remote_device("ionq", v, env={}), "wires", POSITIVE_INT),
}

NUMBER_CASES = {
    "devices.time_circuit(max_seconds)": (
        lambda v: devices.time_circuit("default.qubit", 2, max_seconds=v), "max_seconds", validation.positive_number),
    "devices.largest_register(fraction)": (
        lambda v: devices.largest_register(memory=2**20, fraction=v), "fraction",
        lambda name, value: validation.number(name, value, 0, 1, low_open=True)),
    "gradients.init_parameters(scale)": (
        lambda v: gradients.init_parameters((2, 3), "small", scale=v), "scale", _number_at_least(0)),
    "qbm.QBM(gamma)": (lambda v: qbm.QBM(2, 1, gamma=v), "gamma", _number_at_least(0)),
    "patch.PatchQuantumGenerator(init_scale)": (
        lambda v: patch.PatchQuantumGenerator(init_scale=v), "init_scale", _number_at_least(0)),
    "hardware.noise.DepolarizingNoise(p1)": (
        lambda v: noise.DepolarizingNoise(v), "p1", lambda name, value: validation.probability(name, value, high=0.75)),
    "hardware.noise.DepolarizingNoise(readout)": (
        lambda v: noise.DepolarizingNoise(0.0, readout=v), "readout",
        lambda name, value: validation.probability(name, value, high=0.5)),
}

WRONG_KIND_INTEGERS = (2.5, 2.0, "3", True)
WRONG_KIND_NUMBERS = ("0.1", True, None, [0.1])


def _rule_message(rule: Callable[[str, Any], Any], name: str, value: Any) -> str:
    try:
        rule(name, value)
    except ValueError as err:
        return str(err)
    raise AssertionError(f"the rule accepts {value!r}")  # pragma: no cover


def _out_of_range(rule: Callable[[str, Any], Any], candidates: tuple[Any, ...]) -> list[Any]:
    """The candidates the rule itself refuses as out of range (not as the wrong kind)."""
    out = []
    for value in candidates:
        try:
            rule("x", value)
        except ArgumentTypeError:  # pragma: no cover - the candidates are all of the right kind
            continue
        except ValueError:
            out.append(value)
    return out


def _params(cases: dict[str, tuple[Any, str, Any]], values: tuple[Any, ...] | None, candidates: tuple[Any, ...] = ()):
    params = []
    for case_id, (call, name, rule) in cases.items():
        for value in values if values is not None else _out_of_range(rule, candidates):
            params.append(pytest.param(call, name, rule, value, id=f"{case_id}={value!r}"))
    return params


@pytest.mark.parametrize(("call", "name", "rule", "value"), _params(INTEGER_CASES, WRONG_KIND_INTEGERS))
def test_an_integer_of_the_wrong_kind_is_an_argument_type_error(call, name, rule, value):
    with pytest.raises(ArgumentTypeError) as info:
        call(value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert str(info.value) == _rule_message(rule, name, value)
    assert str(info.value).startswith(f"{name}: expected ")


@pytest.mark.parametrize(("call", "name", "rule", "value"), _params(INTEGER_CASES, None, (0, -1, 10**6)))
def test_an_integer_out_of_range_is_a_value_error(call, name, rule, value):
    with pytest.raises(ValueError) as info:
        call(value)
    assert type(info.value) is ValueError  # not an ArgumentTypeError: the kind was right
    assert str(info.value) == _rule_message(rule, name, value)
    assert str(info.value).startswith(f"{name}: expected ")


@pytest.mark.parametrize(("call", "name", "rule", "value"), _params(NUMBER_CASES, WRONG_KIND_NUMBERS))
def test_a_number_of_the_wrong_kind_is_an_argument_type_error(call, name, rule, value):
    with pytest.raises(ArgumentTypeError) as info:
        call(value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert str(info.value) == _rule_message(rule, name, value)
    assert str(info.value).startswith(f"{name}: expected ")


@pytest.mark.parametrize(("call", "name", "rule", "value"), _params(NUMBER_CASES, None, (0, -1, 0.9, math.nan, math.inf)))
def test_a_number_out_of_range_is_a_value_error(call, name, rule, value):
    with pytest.raises(ValueError) as info:
        call(value)
    assert type(info.value) is ValueError
    assert str(info.value) == _rule_message(rule, name, value)
    assert str(info.value).startswith(f"{name}: expected ")


# Arguments that take more than one kind keep their own message, but follow the same rule.
UNION_CASES = {
    "devices.make_device(wires)": (lambda v: devices.make_device("default.qubit", v), "wires"),
    "circuits.as_wires(wires)": (circuits.as_wires, "wires"),
    "devices.make_qnode(shots)": (lambda v: devices.make_qnode(lambda: None, wires=1, shots=v), "shots"),
    "born.torch_threads(n)": (lambda v: born.torch_threads(v).__enter__(), "threads"),
    "expressibility.random_parameters(rng)": (lambda v: expressibility.random_parameters((1,), 2, rng=v), "rng"),
    "plotting.draw_circuit(decimals)": (lambda v: plotting.draw_circuit(lambda: None, decimals=v), "decimals"),
}


@pytest.mark.parametrize(("call", "name"), [pytest.param(*case, id=case_id) for case_id, case in UNION_CASES.items()])
@pytest.mark.parametrize("value", [2.5, True])
def test_union_arguments_follow_the_same_rule(call, name, value):
    with pytest.raises(ArgumentTypeError, match=f"^{re.escape(name)}: expected "):
        call(value)


@pytest.mark.parametrize(("call", "name"), [pytest.param(*case, id=case_id) for case_id, case in UNION_CASES.items()])
def test_union_arguments_out_of_range_are_value_errors(call, name):
    with pytest.raises(ValueError, match=f"^{re.escape(name)}: expected ") as info:
        call(-1)
    assert type(info.value) is ValueError


PRIVATE_COPIES = (
    "_positive_int", "_non_negative_int", "_positive_float", "_check_positive_ints", "_probability", "_int_arg",
    "_float_arg", "_pos_int", "_check_seed", "_grid_size", "_unit_interval", "_non_negative_float",
)


def test_no_private_copy_of_a_shared_validator_is_left():
    pattern = re.compile(rf"^\s*def ({'|'.join(PRIVATE_COPIES)})\(", re.M)
    found = [
        f"{path.relative_to(PACKAGE)}: {m.group(1)}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"use qgan_helpers.validation instead of: {found}"
