"""Measurement: expectation values, probabilities, samples, and the patch method's post-selection.

Three kinds of helpers, all importable from here.

*Measurement builders* queue PennyLane measurement processes and are meant to be returned from a
QNode: :func:`expval_z`, :func:`probs` and :func:`samples`.

*Statistics* turn what a QNode returns into expectation values and distributions:
:func:`expval_z_from_probs`, :func:`estimate_expval_from_samples`, :func:`empirical_probs` and the
shot-noise formula :func:`expval_standard_error`; :func:`check_probs` checks a probability vector
(:mod:`~qgan_helpers.quantum.probability_checks`).

*The patch method's readout* lives in :mod:`~qgan_helpers.quantum.postselection`:
:func:`postselect` (keep the outcomes where the ancilla wires read ``0``, renormalise),
:func:`postselection_probability`, :func:`to_pixels` (probabilities -> intensities in ``[0, 1]``)
and :func:`expval_to_pixels`.

Conventions (the same as PennyLane's): in a probability vector over ``n`` wires the index of a
basis state is its bit string read with the *first* wire as the most significant bit, so for
``wires=[0, 1, 2]`` index ``6 = 0b110`` means wire 0 and wire 1 read ``1`` and wire 2 reads ``0``.
Probabilities may carry leading batch dimensions ``(..., 2**n)``. The post-processing functions work
on NumPy arrays and on torch tensors; with torch, gradients flow through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import WireSpec, as_wires
from qgan_helpers.quantum.postselection import (
    PIXEL_METHODS,
    expval_to_pixels,
    postselect,
    postselection_probability,
    to_pixels,
)
from qgan_helpers.quantum.probability_checks import _as_array, _to_numpy, check_probs

__all__ = [
    "PIXEL_METHODS",
    "expval_z",
    "probs",
    "samples",
    "check_probs",
    "postselect",
    "postselection_probability",
    "to_pixels",
    "expval_to_pixels",
    "expval_z_from_probs",
    "estimate_expval_from_samples",
    "empirical_probs",
    "expval_standard_error",
]


# -- measurement builders (call them inside a QNode) -----------------------------------------------
def expval_z(wires: WireSpec) -> list[Any]:
    """One ``qml.expval(qml.PauliZ(w))`` per wire, to return from a QNode.

    Parameters
    ----------
    wires : int or sequence
        ``n`` (meaning wires ``0..n-1``) or the wire labels.

    Returns
    -------
    list of ExpectationMP
        A QNode returning it gives ``n`` expectation values in ``[-1, 1]``.

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c():
    ...     qml.PauliX(0)
    ...     return expval_z(2)
    >>> [round(float(v), 6) for v in c()]
    [-1.0, 1.0]
    """
    return [qml.expval(qml.PauliZ(w)) for w in as_wires(wires)]


def probs(wires: WireSpec) -> Any:
    """``qml.probs`` over the given wires (first wire = most significant bit).

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c():
    ...     qml.PauliX(0)
    ...     return probs(2)
    >>> c().tolist()
    [0.0, 0.0, 1.0, 0.0]
    """
    return qml.probs(wires=as_wires(wires))


def samples(wires: WireSpec) -> Any:
    """``qml.sample`` of the computational-basis bits of the given wires.

    A QNode returning it needs shots; it then returns an integer array of shape
    ``(shots, n_wires)`` (``(B, shots, n_wires)`` when broadcasting over ``B`` parameter sets).

    Examples
    --------
    >>> dev = qml.device("default.qubit", wires=2, seed=0)
    >>> @qml.set_shots(shots=3)
    ... @qml.qnode(dev)
    ... def c():
    ...     qml.PauliX(1)
    ...     return samples(2)
    >>> c().tolist()
    [[0, 1], [0, 1], [0, 1]]
    """
    return qml.sample(wires=as_wires(wires))


# -- probabilities, samples and expectation values ------------------------------------------------
def _bit_table(n: int) -> np.ndarray:
    """``(2**n, n)`` array: row ``k`` is the bit string of ``k``, first wire most significant."""
    k = np.arange(2**n)
    return ((k[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1).astype(float)


def expval_z_from_probs(probs: Any) -> Any:
    """``<Z_i>`` for every wire from a probability vector: ``<Z_i> = P(bit_i = 0) - P(bit_i = 1)``.

    Parameters
    ----------
    probs : array or tensor, shape (..., 2**n)

    Returns
    -------
    array or tensor, shape (..., n)
        Wire order as in ``probs`` (first wire first).

    Examples
    --------
    >>> expval_z_from_probs(np.array([0.5, 0.0, 0.0, 0.5])).tolist()   # Bell state
    [0.0, 0.0]
    >>> expval_z_from_probs(np.array([0.0, 1.0, 0.0, 0.0])).tolist()   # |01>
    [1.0, -1.0]
    """
    probs = _as_array(probs, "probs")
    n = check_probs(probs, "probs")
    signs = 1.0 - 2.0 * _bit_table(n)  # (2**n, n): +1 for bit 0, -1 for bit 1
    if hasattr(probs, "detach"):
        import torch

        signs = torch.as_tensor(signs, dtype=probs.dtype, device=probs.device)
        return probs @ signs
    return np.asarray(probs) @ signs


def _check_bits(samples: Any, name: str = "samples") -> np.ndarray:
    samples = _as_array(samples, name)
    a = _to_numpy(samples)
    if a.ndim == 0:
        raise ValueError(f"{name}: expected an array of shape (shots,) or (..., shots, n_wires), got a scalar")
    if a.ndim >= 1 and (a.shape[-1] == 0 or (a.ndim >= 2 and a.shape[-2] == 0)):
        raise ValueError(f"{name}: expected at least one shot, got shape {a.shape}")
    if not np.all(np.isin(a, (0, 1))):
        bad = a[~np.isin(a, (0, 1))].ravel()[0]
        raise ValueError(f"{name}: expected computational-basis bits 0 or 1, got {bad!r}")
    return a.astype(np.int64)


def estimate_expval_from_samples(samples: Any, *, kind: str = "bits") -> np.ndarray | float:
    """Estimate ``<Z>`` per wire as the average eigenvalue of the samples.

    Parameters
    ----------
    samples : array, shape (shots,) or (..., shots, n_wires)
        ``kind="bits"``: basis-state bits 0/1 as returned by ``qml.sample(wires=...)``; bit ``b``
        has Z-eigenvalue ``1 - 2b``. ``kind="eigenvalues"``: values ``+1``/``-1`` as returned by
        ``qml.sample(qml.PauliZ(w))``.
    kind : {"bits", "eigenvalues"}

    Returns
    -------
    float or ndarray
        A float for 1-D samples; otherwise shape ``(..., n_wires)``.

    Examples
    --------
    >>> estimate_expval_from_samples(np.array([0, 0, 0, 1]))
    0.5
    >>> estimate_expval_from_samples(np.array([[0, 1], [0, 1], [1, 1], [0, 0]])).tolist()
    [0.5, -0.5]
    >>> estimate_expval_from_samples(np.array([1, -1, 1, 1]), kind="eigenvalues")
    0.5
    """
    if kind == "bits":
        a = _check_bits(samples)
        eig = 1.0 - 2.0 * a
    elif kind == "eigenvalues":
        a = _to_numpy(_as_array(samples, "samples"))
        if a.ndim == 0 or a.shape[-1] == 0 or (a.ndim >= 2 and a.shape[-2] == 0):
            raise ValueError(f"samples: expected at least one shot of shape (shots,) or (..., shots, n_wires), got {a.shape}")
        if not np.all(np.isin(a, (-1, 1))):
            raise ValueError("samples: expected Pauli-Z eigenvalues +1 or -1 for kind='eigenvalues', got other values")
        eig = a.astype(float)
    else:
        raise ValueError(f"kind: expected 'bits' or 'eigenvalues', got {kind!r}")
    if eig.ndim == 1:
        return float(eig.mean())
    return eig.mean(axis=-2)


def empirical_probs(samples: Any, n_wires: int) -> np.ndarray:
    """Histogram of sampled bit strings: the fraction of shots that gave each basis state.

    Parameters
    ----------
    samples : array, shape (shots, n_wires) or (..., shots, n_wires)
        Bits 0/1, first wire most significant (as ``qml.sample(wires=...)`` returns them).
        For ``n_wires=1`` a 1-D array of shape ``(shots,)`` is accepted too.
    n_wires : int

    Returns
    -------
    ndarray, shape (..., 2**n_wires)
        Sums to 1 along the last axis; comparable with ``qml.probs``.

    Examples
    --------
    >>> empirical_probs(np.array([[0, 0], [1, 1], [1, 1], [0, 1]]), 2).tolist()
    [0.25, 0.25, 0.0, 0.5]
    """
    n_wires = validation.positive_int("n_wires", n_wires)
    a = _check_bits(samples)
    if a.ndim == 1:
        if n_wires != 1:
            raise ValueError(
                f"samples: expected shape (shots, {n_wires}) for n_wires={n_wires}, got a 1-D array of shape {a.shape}"
            )
        a = a[:, None]
    if a.shape[-1] != n_wires:
        raise ValueError(f"samples: expected shape (..., shots, {n_wires}), got {a.shape}")
    weights = 2 ** np.arange(n_wires - 1, -1, -1)
    index = a @ weights  # (..., shots)
    flat = index.reshape(-1, index.shape[-1])
    counts = np.stack([np.bincount(row, minlength=2**n_wires) for row in flat])
    return (counts / index.shape[-1]).reshape(index.shape[:-1] + (2**n_wires,))


def expval_standard_error(expval: Any, shots: Any) -> Any:
    """Standard error of ``<P>`` estimated from ``shots`` samples of a Pauli observable ``P``.

    Each shot gives ``+1`` or ``-1``, so a single shot has variance ``1 - <P>**2`` and the mean of
    ``shots`` independent shots has standard error

    .. math:: \\sigma = \\sqrt{(1 - \\langle P \\rangle^2) / \\mathrm{shots}} \\propto 1/\\sqrt{\\mathrm{shots}}.

    Parameters
    ----------
    expval : float or array
        The exact expectation value(s), in ``[-1, 1]``.
    shots : int or array of int
        Positive numbers of shots; broadcasts against ``expval``.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> expval_standard_error(0.0, 100)
    0.1
    >>> expval_standard_error(0.6, np.array([16, 64])).tolist()
    [0.2, 0.1]
    """
    e = np.asarray(_to_numpy(_as_array(expval, "expval")), dtype=float)
    if not np.all(np.isfinite(e)) or np.any(np.abs(e) > 1 + 1e-9):
        raise ValueError(f"expval: expected expectation values in [-1, 1], got {expval!r}")
    if isinstance(shots, bool) or isinstance(shots, (str, bytes)) or shots is None:
        raise TypeError(f"shots: expected a positive integer or an array of them, got {shots!r}")
    s = np.asarray(shots)
    if s.dtype.kind not in "iu" and not (s.dtype.kind == "f" and np.all(np.isfinite(s)) and np.all(s == np.round(s))):
        raise TypeError(f"shots: expected a positive integer or an array of them, got {shots!r}")
    if np.any(s < 1):
        raise ValueError(f"shots: expected positive integers, got {shots!r}")
    out = np.sqrt(np.clip(1.0 - e**2, 0.0, None) / s)
    return float(out) if out.ndim == 0 else out
