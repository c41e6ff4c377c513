"""Per-circuit errors of a device run: total variation to the ideal distribution, pixel error, shot floor.

A set-level score such as MMD² between generated and real images compares two *sets* of images.
It can fall *below* the ideal generator's own score -- a mitigated run then "recovers more than
100 %" of the damage -- so it is no measure of how faithfully the device runs each circuit. The
per-circuit view measures that directly, for every circuit (sub-generator x noise vector) against
the exact output of the same circuit. It lives in three modules, and every name is importable
from here too:

* :mod:`~qgan_helpers.hardware.error_measures` -- :func:`tv_distance`, :func:`pixel_error`,
  :func:`negative_mass` and :func:`circuit_errors`: one measured output against the ideal one;
* :mod:`~qgan_helpers.hardware.mitigation_comparison` -- :func:`mitigation_probs`, one batch of
  circuits in every setting of the hardware chapter (:data:`SETTINGS`: ``"exact"``, the shot floors
  ``"shots"`` and ``"shots+zne"``, ``"noisy"``, ``"readout"``, ``"zne"``, ``"readout+zne"``), and
  :func:`mitigation_errors`, all of it for one seed with the set-level MMD², as flat numbers; its
  docstring explains the shot floor and the projection of quasi-probabilities;
* :mod:`~qgan_helpers.hardware.summaries` -- :func:`summarize` (over circuits or images),
  :func:`aggregate_seeds` (over seeds), :func:`gap_recovered` (the share of a gap that mitigation
  closes) and :func:`median_pairwise_distance` (the median heuristic for an RBF kernel width).

Examples
--------
>>> import torch
>>> from qgan_helpers.hardware import DepolarizingNoise
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
>>> z = gen.sample_noise(4, torch.Generator().manual_seed(0))
>>> run = mitigation_probs(gen, z, DepolarizingNoise(0.01, 0.05, 0.05), shots=500, seed=0)
>>> err = circuit_errors(gen, run.probs["noisy"], run.probs["exact"])
>>> err["tv"].shape, err["pixel"].shape
((2, 4), (4,))
>>> bool(err["tv"].mean() > circuit_errors(gen, run.probs["shots"], run.probs["exact"])["tv"].mean())
True
"""

from __future__ import annotations

from qgan_helpers.hardware.error_measures import PROB_ATOL, circuit_errors, negative_mass, pixel_error, tv_distance
from qgan_helpers.hardware.mitigation_comparison import SETTINGS, MitigationRun, mitigation_errors, mitigation_probs
from qgan_helpers.hardware.summaries import aggregate_seeds, gap_recovered, median_pairwise_distance, summarize

__all__ = [
    "SETTINGS",
    "PROB_ATOL",
    "tv_distance",
    "pixel_error",
    "negative_mass",
    "summarize",
    "aggregate_seeds",
    "gap_recovered",
    "median_pairwise_distance",
    "MitigationRun",
    "mitigation_probs",
    "circuit_errors",
    "mitigation_errors",
]
