"""Checks every measurement helper makes first: an array of numbers, probability vectors over basis states.

:func:`check_probs` is public (the Born-machine modules check their distributions with it); the
private helpers turn an argument into an array without losing torch's autograd graph
(:func:`_as_array`) and give a detached NumPy view for the checks themselves (:func:`_to_numpy`).
They live apart from :mod:`~qgan_helpers.quantum.measurement` and
:mod:`~qgan_helpers.quantum.postselection` because both use them.

Examples
--------
>>> check_probs(np.array([[0.5, 0.5], [1.0, 0.0]]))
1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

__all__ = ["check_probs"]


def _to_numpy(x: Any) -> np.ndarray:
    """A NumPy view of ``x`` for checks only (torch tensors are detached; gradients are unaffected)."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(qml.math.to_numpy(x))


def _as_array(x: Any, name: str) -> Any:
    """Keep torch tensors / NumPy arrays as they are; turn lists and scalars into float arrays."""
    if hasattr(x, "shape") and hasattr(x, "reshape"):
        return x
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(x).__name__}")
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected an array of numbers, got {type(x).__name__}") from exc


def _n_wires_of(dim: int, name: str) -> int:
    if dim < 2 or dim & (dim - 1):
        raise ValueError(
            f"{name}: expected the last dimension to be a power of two 2**n with n >= 1 "
            f"(one entry per basis state), got {dim}"
        )
    return dim.bit_length() - 1


def check_probs(p: Any, name: str = "probs", atol: float = 1e-6) -> int:
    """Check that ``p`` holds probability distributions over basis states; return the number of wires.

    Parameters
    ----------
    p : array or tensor, shape (..., 2**n)
        One distribution per leading index.
    name : str
        The argument name used in error messages.
    atol : float
        Tolerance for negative entries and for the sum (float32 simulators are off by ~1e-7).

    Returns
    -------
    int
        ``n``, the number of wires.

    Raises
    ------
    ValueError
        If the last dimension is not a power of two, an entry is NaN/infinite or negative,
        or a distribution does not sum to 1.

    Examples
    --------
    >>> check_probs(np.array([0.25, 0.25, 0.5, 0.0]))
    2
    """
    p = _as_array(p, name)
    shape = tuple(p.shape)
    if len(shape) == 0:
        raise ValueError(f"{name}: expected an array of shape (..., 2**n), got a scalar")
    n = _n_wires_of(int(shape[-1]), name)
    a = _to_numpy(p).astype(float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: expected finite probabilities, got NaN or infinity")
    if a.size and a.min() < -atol:
        raise ValueError(f"{name}: expected non-negative probabilities, got a minimum of {a.min():.3g}")
    sums = a.sum(axis=-1)
    worst = float(np.max(np.abs(sums - 1.0))) if sums.size else 0.0
    if worst > atol:
        bad = float(np.ravel(sums)[np.argmax(np.abs(np.ravel(sums) - 1.0))])
        raise ValueError(f"{name}: expected probabilities summing to 1 along the last axis, got a sum of {bad:.6g}")
    return n
