"""The patch method's readout: post-selection on the ancilla wires, then probabilities to pixels.

A patch sub-generator measures all its wires; the first ``n_ancillas`` are ancillas. Keeping the
outcomes in which every ancilla reads ``0`` and renormalising (:func:`postselect`, a partial
measurement) leaves a distribution over the data wires, whose entries become pixel intensities
(:func:`to_pixels`). :func:`postselection_probability` is the fraction of shots a device keeps;
:func:`expval_to_pixels` is the other readout, one pixel per wire from ``<Z>``.

Conventions as in :mod:`qgan_helpers.quantum.measurement`: the first wire is the most significant
bit, leading batch dimensions are kept, and NumPy arrays and torch tensors both work (gradients
flow through torch).

Examples
--------
>>> p = np.array([0.125, 0.375, 0.25, 0.25])   # wires (ancilla, data)
>>> postselect(p, 1).tolist()                  # keep ancilla = 0: [0.125, 0.375] / 0.5
[0.25, 0.75]
>>> to_pixels(postselect(p, 1)).tolist()       # the brightest pixel is 1
[0.3333333333333333, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.quantum.probability_checks import _as_array, _to_numpy, check_probs

__all__ = ["PIXEL_METHODS", "postselect", "postselection_probability", "to_pixels", "expval_to_pixels"]

PIXEL_METHODS = ("max", "minmax")


def _check_bit(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in (0, 1):
        raise ValueError(f"{name}: expected 0 or 1 (the outcome the ancillas must read), got {value!r}")
    return int(value)


# -- post-selection (partial measurement of the ancillas) -----------------------------------------
def _ancilla_block(p: Any, n_ancillas: int, ancilla_value: int, name: str) -> tuple[Any, int]:
    n = check_probs(p, name)
    n_ancillas = validation.integer("n_ancillas", n_ancillas, 0, n - 1)
    ancilla_value = _check_bit(ancilla_value, "ancilla_value")
    shape = tuple(p.shape)
    kept = 2 ** (n - n_ancillas)
    row = 0 if ancilla_value == 0 else 2**n_ancillas - 1  # all ancilla bits 0 / all 1
    block = p.reshape(shape[:-1] + (2**n_ancillas, kept))[..., row, :]
    return block, n - n_ancillas


def postselection_probability(probs: Any, n_ancillas: int, ancilla_value: int = 0) -> Any:
    """Probability that all ancilla wires (the first ``n_ancillas`` wires) read ``ancilla_value``.

    This is the fraction of shots a device keeps when it post-selects; the expected number of shots
    needed for ``k`` kept ones is ``k / success``.

    Parameters
    ----------
    probs : array or tensor, shape (..., 2**n)
    n_ancillas : int
        In ``[0, n - 1]``.
    ancilla_value : {0, 1}

    Returns
    -------
    array or tensor, shape (...)
        Same type as ``probs``.

    Examples
    --------
    >>> round(float(postselection_probability(np.array([0.1, 0.2, 0.3, 0.4]), 1)), 6)
    0.3
    """
    probs = _as_array(probs, "probs")
    block, _ = _ancilla_block(probs, n_ancillas, ancilla_value, "probs")
    return block.sum(-1)


def postselect(
    probs: Any,
    n_ancillas: int,
    ancilla_value: int = 0,
    *,
    return_success: bool = False,
    min_success: float = 1e-12,
) -> Any:
    """The patch method's partial measurement: condition on the ancillas reading ``ancilla_value``.

    The ancillas are the first (most significant) ``n_ancillas`` wires. The function keeps the
    ``2**(n - n_ancillas)`` outcomes in which every ancilla reads ``ancilla_value`` and divides them by
    their total, the post-selection success probability:

    .. math:: p(x \\mid a) = p(a, x) / \\sum_{x'} p(a, x').

    Parameters
    ----------
    probs : array or tensor, shape (..., 2**n)
        Probability distributions (as returned by ``qml.probs``); leading batch dimensions are kept.
    n_ancillas : int
        Number of ancilla wires, in ``[0, n - 1]`` (``0`` returns the distribution unchanged).
    ancilla_value : {0, 1}
        The outcome every ancilla must read (``0`` in the patch method).
    return_success : bool
        Also return the success probability.
    min_success : float
        A success probability at or below this cannot be renormalised: ``ValueError``.

    Returns
    -------
    conditional : array or tensor, shape (..., 2**(n - n_ancillas))
        Sums to 1 along the last axis; same type as ``probs`` (differentiable for torch).
    success : array or tensor, shape (...)
        Only if ``return_success``.

    Raises
    ------
    ValueError
        Bad distribution, ``n_ancillas`` out of range, ``ancilla_value`` not 0/1, or zero success.

    Examples
    --------
    >>> p = np.array([0.125, 0.375, 0.25, 0.25])  # wires (ancilla, data)
    >>> postselect(p, 1).tolist()                 # keep ancilla = 0: [0.125, 0.375] / 0.5
    [0.25, 0.75]
    >>> cond, success = postselect(p, 1, ancilla_value=1, return_success=True)
    >>> cond.tolist(), float(success)
    ([0.5, 0.5], 0.5)
    """
    probs = _as_array(probs, "probs")
    block, _ = _ancilla_block(probs, n_ancillas, ancilla_value, "probs")
    success = block.sum(-1)
    s = _to_numpy(success)
    if np.any(s <= min_success):
        where = "" if s.ndim == 0 else f" (batch index {tuple(int(i) for i in np.argwhere(s <= min_success)[0])})"
        raise ValueError(
            f"probs: the probability that the ancillas read {ancilla_value} is {float(np.min(s)):.3g}{where}; "
            "post-selection never succeeds, so there is nothing to renormalise"
        )
    conditional = block / success[..., None]
    return (conditional, success) if return_success else conditional


# -- from measurements to pixels -------------------------------------------------------------------
def to_pixels(p: Any, method: str = "max") -> Any:
    """Turn (post-selected) probabilities into pixel intensities in ``[0, 1]``.

    Parameters
    ----------
    p : array or tensor, shape (..., n_pixels)
        Non-negative numbers, one per pixel. They need not sum to 1: ``"max"`` ignores the overall
        scale, so the patch method gets the same pixels whether or not it renormalised first.
    method : {"max", "minmax"}
        ``"max"``: ``p / max(p)``, what the patch method of Huang et al. does; the brightest pixel
        is always 1 and zero probability stays black.
        ``"minmax"``: ``(p - min) / (max - min)``, which also stretches the darkest pixel to 0.

    Returns
    -------
    array or tensor, shape (..., n_pixels)
        Same type as ``p`` (differentiable for torch).

    Raises
    ------
    ValueError
        For an unknown method, negative/NaN entries, an all-zero ``p`` (``"max"``) or a
        constant ``p`` (``"minmax"``), which have no contrast to scale.

    Examples
    --------
    >>> to_pixels(np.array([0.125, 0.5, 0.25, 0.125])).tolist()
    [0.25, 1.0, 0.5, 0.25]
    >>> np.round(to_pixels(np.array([0.125, 0.5, 0.25, 0.125]), "minmax"), 4).tolist()
    [0.0, 1.0, 0.3333, 0.0]
    """
    if method not in PIXEL_METHODS:
        raise ValueError(f"method: expected one of {PIXEL_METHODS}, got {method!r}")
    p = _as_array(p, "p")
    if len(p.shape) == 0 or p.shape[-1] < 1:
        raise ValueError(f"p: expected an array of shape (..., n_pixels) with n_pixels >= 1, got {tuple(p.shape)}")
    a = _to_numpy(p).astype(float)
    if not np.all(np.isfinite(a)):
        raise ValueError("p: expected finite values, got NaN or infinity")
    if a.min() < 0:
        raise ValueError(f"p: expected non-negative probabilities, got a minimum of {a.min():.3g}")
    hi = p.amax(dim=-1) if hasattr(p, "detach") else np.max(p, axis=-1)
    if method == "max":
        if np.any(a.max(axis=-1) <= 0):
            raise ValueError("p: expected at least one positive entry per image, got all zeros")
        return p / hi[..., None]
    lo = p.amin(dim=-1) if hasattr(p, "detach") else np.min(p, axis=-1)
    if np.any(a.max(axis=-1) - a.min(axis=-1) <= 0):
        raise ValueError("p: expected at least two different values per image for 'minmax', got a constant image")
    return (p - lo[..., None]) / (hi - lo)[..., None]


def expval_to_pixels(expvals: Any) -> Any:
    """Map Pauli-Z expectation values to intensities: ``(1 - <Z>) / 2`` = probability of reading 1.

    One pixel per wire, each in ``[0, 1]``; unlike :func:`to_pixels` the pixels are not tied together
    by a normalisation, but ``n`` wires give only ``n`` pixels.

    Examples
    --------
    >>> expval_to_pixels(np.array([1.0, 0.0, -1.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    expvals = _as_array(expvals, "expvals")
    a = _to_numpy(expvals)
    if not np.all(np.isfinite(a)) or (a.size and (a.min() < -1 - 1e-9 or a.max() > 1 + 1e-9)):
        raise ValueError("expvals: expected Pauli-Z expectation values in [-1, 1], got values outside or NaN")
    return (1 - expvals) / 2
