"""Transpilation summaries, execution budgets and SPSA fine-tuning (qgan_helpers.hardware)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgan_helpers.hardware import DepolarizingNoise
from qgan_helpers.hardware.budgets import count_executions, device_time
from qgan_helpers.hardware.finetune import spsa_finetune
from qgan_helpers.hardware.transpile import entangler_circuit, entangler_table, ring_patch_ansatz, transpile_summary
from qgan_helpers.models import PatchQuantumGenerator


def test_chain_needs_no_swaps_on_a_line_ring_does():
    rows = entangler_table(["FakeManilaV2"], n_qubits=4, depth=2)
    chain, ring = rows
    assert (chain["entangler"], chain["logical_cz"], ring["logical_cz"]) == ("chain", 6, 8)
    assert chain["two_qubit"] == 6  # Manila is a line: every CZ becomes one CX
    assert ring["two_qubit"] > ring["logical_cz"]  # closing the ring needs SWAPs (3 CX each)
    assert ring["depth"] > chain["depth"] > 0 and ring["duration_us"] > chain["duration_us"] > 0


def test_transpile_summary_counts_gates():
    qc = entangler_circuit(3, 1, "chain", measure=False)
    s = transpile_summary(qc, "FakeLimaV2", optimization_level=0)
    assert set(s["ops"]) <= {"rz", "sx", "x", "cx"}
    assert s["two_qubit"] == s["ops"].get("cx", 0) == 2
    assert s["one_qubit"] == sum(v for k, v in s["ops"].items() if k != "cx")
    assert sorted(s["layout"]) == sorted(set(s["layout"])) and len(s["layout"]) == 3


def test_transpile_bad_inputs():
    with pytest.raises(ValueError, match="entangler: expected one of \\['chain', 'ring'\\], got 'star'"):
        entangler_circuit(3, 1, "star")
    with pytest.raises(ValueError, match="depth: expected an integer >= 1, got 0"):
        entangler_circuit(3, 0)
    with pytest.raises(ValueError, match="wires: expected at least 3 wires for a ring"):
        ring_patch_ansatz(np.zeros((1, 2)), 2)
    with pytest.raises(ValueError, match="optimization_level: expected 0, 1, 2 or 3, got 5"):
        transpile_summary(entangler_circuit(3, 1), "FakeManilaV2", optimization_level=5)


def test_execution_counts_follow_the_formulas():
    g, b, d, n = 2, 2, 1, 3
    bp = count_executions("backprop", n_qubits=n, depth=d, n_generators=g, batch=b)
    ps = count_executions("parameter-shift", n_qubits=n, depth=d, n_generators=g, batch=b)
    spsa = count_executions("spsa", n_qubits=n, depth=d, n_generators=g, batch=b)
    assert bp["forward"] == ps["forward"] == spsa["forward"] == g * b
    assert bp["total"] == g * b
    assert ps["total"] == g * b * (1 + 2 * d * n)
    assert spsa["total"] == g * b * 3  # forward + two perturbed runs per circuit
    assert torch.allclose(bp["grad"], ps["grad"], atol=1e-8)
    with pytest.raises(ValueError, match="diff_method: expected one of"):
        count_executions("adjoint")
    with pytest.raises(ValueError, match="batch: expected an integer >= 1, got 0"):
        count_executions("backprop", batch=0)


def test_device_time():
    assert device_time(10, 100, 50.0, 250.0) == pytest.approx(10 * 100 * 300e-6)
    with pytest.raises(ValueError, match="circuit_us: expected a non-negative number of microseconds"):
        device_time(1, 1, -3.0)
    with pytest.raises(ValueError, match="shots: expected an integer >= 1, got 0"):
        device_time(1, 0, 3.0)


def test_spsa_finetune_runs_on_a_copy():
    torch.manual_seed(1)
    gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
    before = gen.weights.detach().clone()
    real = torch.rand(12, 8, generator=torch.Generator().manual_seed(2))
    tuned, hist = spsa_finetune(gen, DepolarizingNoise(0.01), real, steps=3, n=4, shots=None, seed=0)
    assert torch.equal(gen.weights, before)  # the original is untouched
    assert not torch.equal(tuned.weights, before)
    assert len(hist["loss"]) == 3 and hist["executions"] == 3 * 2 * 4 * 2
    assert all(np.isfinite(hist["loss"]))
    again, hist2 = spsa_finetune(gen, DepolarizingNoise(0.01), real, steps=3, n=4, shots=None, seed=0)
    assert torch.allclose(again.weights, tuned.weights) and hist2["loss"] == hist["loss"]  # seeded
    with pytest.raises(ValueError, match="device: expected a noisy device"):
        spsa_finetune(gen, "ideal", real, steps=1)
    with pytest.raises(ValueError, match="real: expected images with 8 pixels each"):
        spsa_finetune(gen, DepolarizingNoise(0.01), torch.rand(3, 5), steps=1)
    with pytest.raises(ValueError, match="steps: expected an integer >= 1, got 0"):
        spsa_finetune(gen, DepolarizingNoise(0.01), real, steps=0)
