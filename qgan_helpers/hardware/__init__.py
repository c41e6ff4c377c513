"""From the simulator to (simulated) hardware: noise, transpilation, budgets, mitigation, real devices.

Modules (one concept each):

* :mod:`~qgan_helpers.hardware.noise` -- :class:`DepolarizingNoise` (``default.mixed`` channels and
  the same channels for Qiskit Aer), IBM fake backends and their PennyLane ``qiskit.aer`` devices;
* :mod:`~qgan_helpers.hardware.qiskit_bridge` -- the patch circuit as a parametrised Qiskit circuit,
  OpenQASM export, probability checks;
* :mod:`~qgan_helpers.hardware.runner` -- :class:`AerRunner`: many circuits on a noisy Aer simulator,
  transpiled once; global unitary folding;
* :mod:`~qgan_helpers.hardware.mitigation` -- readout-error inversion and zero-noise extrapolation;
* :mod:`~qgan_helpers.hardware.evaluate` -- :func:`sample_on_device` / :func:`mmd2_on_device`: a trained
  patch generator on a device, with or without mitigation;
* :mod:`~qgan_helpers.hardware.per_circuit` -- per-circuit errors beside the set-level score, in three
  modules: :mod:`~qgan_helpers.hardware.error_measures` (total variation to the ideal distribution,
  pixel error), :mod:`~qgan_helpers.hardware.mitigation_comparison` (every mitigation setting on one
  batch, with its shot floor) and :mod:`~qgan_helpers.hardware.summaries` (aggregation over seeds);
* :mod:`~qgan_helpers.hardware.transpile` -- depth and two-qubit counts after transpilation (chain vs ring);
* :mod:`~qgan_helpers.hardware.budgets` -- circuit executions per training step (``qml.Tracker``), shots, time;
* :mod:`~qgan_helpers.hardware.finetune` -- noise-aware fine-tuning with SPSA;
* :mod:`~qgan_helpers.hardware.remote` -- IBM / IonQ / Braket devices, only when credentials are set.

Qiskit is imported lazily (inside the functions that need it), so ``import qgan_helpers.hardware``
stays fast and :mod:`~qgan_helpers.hardware.remote` can answer "not configured" immediately.
"""

from __future__ import annotations

from qgan_helpers.hardware.error_measures import circuit_errors, pixel_error, tv_distance
from qgan_helpers.hardware.evaluate import (
    MITIGATIONS,
    ZNE_SCALES,
    device_probs,
    images_from_probs,
    make_runner,
    mmd2_on_device,
    resolve_generator,
    sample_on_device,
)
from qgan_helpers.hardware.mitigation import apply_confusion, extrapolate_to_zero, mitigate_readout, to_distribution
from qgan_helpers.hardware.mitigation_comparison import mitigation_errors, mitigation_probs
from qgan_helpers.hardware.noise import (
    CI_BACKENDS,
    DepolarizingNoise,
    fake_backend,
    fake_backend_device,
    fake_backend_names,
    mixed_qnode,
)
from qgan_helpers.hardware.qiskit_bridge import patch_angles, patch_circuit, qasm_probabilities, qiskit_probabilities
from qgan_helpers.hardware.runner import AerRunner, counts_to_probs, fold_circuit
from qgan_helpers.hardware.summaries import aggregate_seeds

__all__ = [
    "aggregate_seeds",
    "circuit_errors",
    "mitigation_errors",
    "mitigation_probs",
    "pixel_error",
    "tv_distance",
    "MITIGATIONS",
    "ZNE_SCALES",
    "device_probs",
    "images_from_probs",
    "make_runner",
    "mmd2_on_device",
    "resolve_generator",
    "sample_on_device",
    "apply_confusion",
    "extrapolate_to_zero",
    "mitigate_readout",
    "to_distribution",
    "CI_BACKENDS",
    "DepolarizingNoise",
    "fake_backend",
    "fake_backend_device",
    "fake_backend_names",
    "mixed_qnode",
    "patch_angles",
    "patch_circuit",
    "qasm_probabilities",
    "qiskit_probabilities",
    "AerRunner",
    "counts_to_probs",
    "fold_circuit",
]
