"""How far one circuit's measured output is from its ideal output: TV distance, pixel error, clipped mass.

Each measure compares a measured (noisy or mitigated) result with the exact result of the *same*
circuit (sub-generator x noise vector), so it says how faithfully a device runs each circuit -- unlike
a set-level score such as MMD², which compares two sets of images:

* :func:`tv_distance` -- the total variation distance ``0.5 * sum |p - q|`` between probability
  vectors: 0 for identical, 1 for disjoint ones; negative entries (quasi-probabilities from
  mitigation) raise unless ``project=True`` clips and renormalises them first
  (:func:`~qgan_helpers.hardware.mitigation.to_distribution`);
* :func:`pixel_error` -- the mean absolute pixel difference between an image and the ideal image for
  the same noise vector;
* :func:`negative_mass` -- the probability mass that clipping removes from a quasi-probability vector;
* :func:`circuit_errors` -- TV per circuit and pixel error per image for a patch generator's output.

Examples
--------
>>> tv_distance([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.0, 1.0]]).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgan_helpers.hardware.evaluate import images_from_probs
from qgan_helpers.hardware.mitigation import to_distribution
from qgan_helpers.hardware.qiskit_bridge import _check_generator

__all__ = ["PROB_ATOL", "tv_distance", "pixel_error", "negative_mass", "circuit_errors"]

PROB_ATOL: float = 1e-6
"""Tolerance for "sums to 1" and "not negative" when a probability vector is checked."""


# -- checks -------------------------------------------------------------------------------------
def _finite_array(name: str, values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an array of numbers, got {type(values).__name__}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return arr


def _distributions(name: str, values: Any, project: bool) -> np.ndarray:
    arr = _finite_array(name, values)
    if arr.ndim < 1 or arr.shape[-1] < 2:
        raise ValueError(f"{name}: expected probability vectors of shape (..., K) with K >= 2, got shape {arr.shape}")
    if project:
        return to_distribution(arr)
    if arr.min() < -PROB_ATOL:
        raise ValueError(f"{name}: expected non-negative probabilities, got an entry {arr.min():.3g} (quasi-probabilities "
                         f"from mitigation: pass project=True to clip and renormalise them)")
    sums = arr.sum(axis=-1)
    if np.abs(sums - 1).max() > PROB_ATOL:
        bad = float(sums.flat[np.argmax(np.abs(sums - 1))])
        raise ValueError(f"{name}: expected each probability vector to sum to 1, got a sum of {bad:.6g}")
    return arr


# -- per-circuit measures ---------------------------------------------------------------------
def tv_distance(measured: Any, ideal: Any, *, project: bool = False) -> np.ndarray:
    """Total variation distance ``0.5 * sum_k |measured_k - ideal_k|`` of each probability vector.

    The largest difference in probability the two distributions assign to any set of outcomes:
    0 for identical, 1 for disjoint distributions.

    Parameters
    ----------
    measured : array, shape (..., K)
        Measured (noisy or mitigated) probability vectors, each non-negative and summing to 1.
    ideal : array, shape (..., K)
        The ideal (exact) probability vectors, the same shape.
    project : bool
        ``True``: project ``measured`` first with
        :func:`~qgan_helpers.hardware.mitigation.to_distribution` (clip negative entries to 0,
        renormalise), for raw quasi-probabilities. ``False`` (default): negative entries raise.

    Returns
    -------
    numpy.ndarray, shape (...)
        One distance per vector (a 0-d array for a single pair).

    Examples
    --------
    >>> tv_distance([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]).item()
    0.0
    >>> tv_distance([[1.0, 0.0], [0.7, 0.3]], [[0.0, 1.0], [0.5, 0.5]]).round(6).tolist()
    [1.0, 0.2]
    >>> tv_distance([1.1, -0.1], [1.0, 0.0], project=True).item()
    0.0
    """
    if not isinstance(project, (bool, np.bool_)):
        raise ValueError(f"project: expected True or False, got {project!r}")
    p = _distributions("measured", measured, bool(project))
    q = _distributions("ideal", ideal, False)
    if p.shape != q.shape:
        raise ValueError(f"ideal: expected the same shape as measured {p.shape}, got {q.shape}")
    return np.clip(0.5 * np.abs(p - q).sum(axis=-1), 0.0, 1.0)


def pixel_error(images: Any, ideal_images: Any) -> np.ndarray:
    """Mean absolute pixel difference between each image and the ideal image for the same noise vector.

    Parameters
    ----------
    images : array or tensor, shape (B, H, W) or (B, n_pixels)
        Images from measured (noisy or mitigated) probabilities.
    ideal_images : array or tensor, same shape
        The images from the exact probabilities of the same circuits.

    Returns
    -------
    numpy.ndarray, shape (B,)
        For pixels in ``[0, 1]`` each value is in ``[0, 1]``.

    Examples
    --------
    >>> pixel_error([[0.0, 1.0], [0.5, 0.5]], [[0.0, 1.0], [0.0, 1.0]]).tolist()
    [0.0, 0.5]
    """
    x = _finite_array("images", images)
    y = _finite_array("ideal_images", ideal_images)
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"images: expected shape (B, H, W) or (B, n_pixels) with B >= 1, got {x.shape}")
    if y.shape != x.shape:
        raise ValueError(f"ideal_images: expected the same shape as images {x.shape}, got {y.shape}")
    return np.abs(x - y).reshape(len(x), -1).mean(axis=1)


def negative_mass(values: Any) -> np.ndarray:
    """Probability mass that clipping removes from quasi-probability vectors: ``sum_k max(-v_k, 0)``.

    Parameters
    ----------
    values : array, shape (..., K)

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> negative_mass([[1.05, -0.05], [0.5, 0.5]]).round(6).tolist()
    [0.05, 0.0]
    """
    v = _finite_array("values", values)
    if v.ndim < 1:
        raise ValueError("values: expected vectors of shape (..., K), got a scalar")
    return np.clip(-v, 0.0, None).sum(axis=-1)


def circuit_errors(generator: Any, probs: Any, exact: Any) -> dict[str, np.ndarray]:
    """Per-circuit TV distance and per-image pixel error of measured probabilities against exact ones.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    probs : array, shape (G, B, 2**n_qubits)
        Measured (noisy or mitigated, already projected) probabilities.
    exact : array, shape (G, B, 2**n_qubits)
        The exact probabilities of the same circuits.

    Returns
    -------
    dict
        ``"tv"``: numpy.ndarray (G, B), the TV distance of every circuit; ``"pixel"``:
        numpy.ndarray (B,), the :func:`pixel_error` of every image (made as the generator makes
        them, :func:`~qgan_helpers.hardware.evaluate.images_from_probs`).

    Examples
    --------
    >>> from qgan_helpers.models import PatchQuantumGenerator
    >>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
    >>> p = gen.circuit_probs(gen.sample_noise(3)).detach().numpy()
    >>> err = circuit_errors(gen, p, p)
    >>> float(err["tv"].max()), float(err["pixel"].max())
    (0.0, 0.0)
    """
    gen = _check_generator(generator)
    want = (gen.n_generators, 2**gen.n_qubits)
    arrays = {}
    for name, value in (("probs", probs), ("exact", exact)):
        arr = _finite_array(name, value)
        if arr.ndim != 3 or (arr.shape[0], arr.shape[2]) != want:
            raise ValueError(f"{name}: expected shape ({want[0]}, B, {want[1]}), got {arr.shape}")
        arrays[name] = arr
    tv = tv_distance(arrays["probs"], arrays["exact"])
    pixels = pixel_error(images_from_probs(gen, arrays["probs"]).double(), images_from_probs(gen, arrays["exact"]).double())
    return {"tv": tv, "pixel": pixels}
