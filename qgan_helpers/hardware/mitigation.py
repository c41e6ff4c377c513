"""Error mitigation on measured probabilities: readout-error inversion and zero-noise extrapolation.

* **Readout mitigation.** If each qubit's readout is an independent noisy channel with confusion
  matrix :math:`A_j` (:math:`A_j[m, s]` = probability of reading ``m`` when the qubit is in ``s``),
  the measured distribution is :math:`p_\\text{meas} = (A_0 \\otimes \\dots \\otimes A_{n-1})\\,p`.
  :func:`mitigate_readout` applies the inverses and projects the result back onto probability
  vectors (:func:`to_distribution`: negative entries clipped, then renormalised).
* **Zero-noise extrapolation** (Temme et al. 2017; Giurgica-Tiron et al. 2020). Run the circuit
  at several noise *scales* (unitary folding, :func:`qgan_helpers.hardware.runner.fold_circuit`),
  fit each probability as a polynomial in the scale and evaluate it at scale 0
  (:func:`extrapolate_to_zero`, built on :func:`pennylane.noise.poly_extrapolate`).

Examples
--------
>>> A = np.array([[0.9, 0.2], [0.1, 0.8]])
>>> p = np.array([0.25, 0.0, 0.75, 0.0])          # two wires
>>> measured = apply_confusion(p, [A, np.eye(2)])
>>> np.round(mitigate_readout(measured, [A, np.eye(2)]), 12).tolist()
[0.25, 0.0, 0.75, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml

__all__ = ["apply_confusion", "mitigate_readout", "to_distribution", "extrapolate_to_zero"]


def _probs_array(name: str, probs: Any) -> tuple[np.ndarray, int]:
    p = np.asarray(probs, dtype=float)
    if p.ndim < 1 or p.shape[-1] < 2 or p.shape[-1] & (p.shape[-1] - 1):
        raise ValueError(f"{name}: expected a last dimension of 2**n_wires (n_wires >= 1), got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return p, int(np.log2(p.shape[-1]))


def _matrices(matrices: Any, n: int) -> list[np.ndarray]:
    if not isinstance(matrices, Sequence) or isinstance(matrices, (str, np.ndarray)) or len(matrices) != n:
        got = len(matrices) if isinstance(matrices, Sequence) else type(matrices).__name__
        raise ValueError(f"matrices: expected a list of {n} (2, 2) confusion matrices, one per wire, got {got}")
    out = []
    for j, m in enumerate(matrices):
        a = np.asarray(m, dtype=float)
        if a.shape != (2, 2) or not np.isfinite(a).all():
            raise ValueError(f"matrices: expected matrix {j} to be a finite (2, 2) array, got shape {a.shape}")
        out.append(a)
    return out


def apply_confusion(probs: Any, matrices: Sequence[Any]) -> np.ndarray:
    """Apply per-wire 2x2 matrices to probability vectors: ``(A_0 ⊗ ... ⊗ A_{n-1}) p``.

    Parameters
    ----------
    probs : array, shape (..., 2**n)
        PennyLane's order (wire 0 is the most significant bit).
    matrices : list of n arrays of shape (2, 2)
        ``matrices[j]`` acts on wire ``j``.

    Returns
    -------
    numpy.ndarray, same shape as ``probs``
    """
    p, n = _probs_array("probs", probs)
    mats = _matrices(matrices, n)
    lead = p.shape[:-1]
    t = p.reshape(-1, *([2] * n))
    for j, a in enumerate(mats):
        t = np.moveaxis(np.tensordot(a, t, axes=([1], [j + 1])), 0, j + 1)
    return t.reshape(*lead, 2**n)


def to_distribution(values: Any) -> np.ndarray:
    """Project quasi-probabilities onto probability vectors: clip negatives to 0, renormalise.

    Examples
    --------
    >>> to_distribution([0.6, -0.1, 0.5]).round(6).tolist()
    [0.545455, 0.0, 0.454545]
    """
    v = np.clip(np.asarray(values, dtype=float), 0.0, None)
    total = v.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("values: expected each vector to have a positive entry after clipping, got an all-negative vector")
    return v / total


def mitigate_readout(probs: Any, matrices: Sequence[Any], project: bool = True) -> np.ndarray:
    """Undo independent readout errors: apply each wire's inverse confusion matrix, then :func:`to_distribution`.

    Parameters
    ----------
    probs : array, shape (..., 2**n)
        Measured probabilities (PennyLane's order).
    matrices : list of n arrays of shape (2, 2)
        ``matrices[j][m, s]`` = probability of reading ``m`` on wire ``j`` prepared in ``s``
        (e.g. from :meth:`qgan_helpers.hardware.runner.AerRunner.calibrate_readout`).
    project : bool
        ``True`` (default): project the result with :func:`to_distribution` (clip negatives,
        renormalise). ``False``: return the raw quasi-probabilities (entries may be negative; each
        vector still sums to 1), e.g. to measure how much mass the projection removes.

    Returns
    -------
    numpy.ndarray, same shape as ``probs``
    """
    if not isinstance(project, (bool, np.bool_)):
        raise ValueError(f"project: expected True or False, got {project!r}")
    p, n = _probs_array("probs", probs)
    mats = _matrices(matrices, n)
    inverses = []
    for j, a in enumerate(mats):
        if abs(np.linalg.det(a)) < 1e-9:
            raise ValueError(f"matrices: expected invertible confusion matrices, matrix {j} is singular: {a.tolist()}")
        inverses.append(np.linalg.inv(a))
    raw = apply_confusion(p, inverses)
    return to_distribution(raw) if project else raw


def extrapolate_to_zero(scales: Sequence[float], probs: Sequence[Any], order: int = 1,
                        project: bool = True) -> np.ndarray:
    """Zero-noise extrapolation of probability vectors measured at several noise scales.

    Parameters
    ----------
    scales : sequence of float
        The noise scale factors, e.g. ``(1, 3)``; at least ``order + 1`` distinct values.
    probs : sequence of arrays, each of shape (..., 2**n)
        ``probs[i]`` measured at ``scales[i]``.
    order : int
        Degree of the polynomial fit (1 = linear; with ``order = len(scales) - 1`` it is
        Richardson extrapolation).
    project : bool
        ``True`` (default): project the extrapolated values with :func:`to_distribution`.
        ``False``: return them raw (quasi-probabilities that may be negative).

    Returns
    -------
    numpy.ndarray, shape (..., 2**n)
        The extrapolated values, projected with :func:`to_distribution` unless ``project=False``.

    Examples
    --------
    >>> extrapolate_to_zero([1, 3], [[0.7, 0.3], [0.6, 0.4]]).round(6).tolist()
    [0.75, 0.25]
    >>> extrapolate_to_zero([1, 3], [[0.9, 0.1], [0.6, 0.4]], project=False).round(6).tolist()
    [1.05, -0.05]
    """
    if not isinstance(project, (bool, np.bool_)):
        raise ValueError(f"project: expected True or False, got {project!r}")
    s = np.asarray(scales, dtype=float)
    if s.ndim != 1 or len(np.unique(s)) < 2 or not np.isfinite(s).all():
        raise ValueError(f"scales: expected at least two distinct finite scale factors, got {list(np.ravel(scales))}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order < len(np.unique(s)):
        raise ValueError(f"order: expected an integer in 1..{len(np.unique(s)) - 1} for {len(s)} scales, got {order!r}")
    if len(probs) != len(s):
        raise ValueError(f"probs: expected one array per scale ({len(s)}), got {len(probs)}")
    stacked = np.stack([_probs_array("probs", p)[0] for p in probs])  # (S, ..., 2**n)
    flat = stacked.reshape(len(s), -1)
    zero = np.asarray(qml.noise.poly_extrapolate(s, flat, int(order)), dtype=float).reshape(stacked.shape[1:])
    return to_distribution(zero) if project else zero
