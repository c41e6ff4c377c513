"""Measurement: expectation values, probabilities, samples, and the patch method's post-selection.

Two kinds of helpers live here.

*Measurement builders* queue PennyLane measurement processes and are meant to be returned from a
QNode: :func:`expval_z`, :func:`probs` and :func:`samples`.

*Post-processing* turns what a QNode returns into the numbers a generator needs:
:func:`postselect` (keep the outcomes where the ancilla wires read ``0``, renormalise),
:func:`to_pixels` (probabilities -> intensities in ``[0, 1]``), :func:`expval_z_from_probs`,
:func:`estimate_expval_from_samples`, :func:`empirical_probs` and the shot-noise formula
:func:`expval_standard_error`.

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

PIXEL_METHODS = ("max", "minmax")


# --------------------------------------------------------------------------------------------
# Measurement builders (call them inside a QNode)
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
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


def _check_bit(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in (0, 1):
        raise ValueError(f"{name}: expected 0 or 1 (the outcome the ancillas must read), got {value!r}")
    return int(value)


# --------------------------------------------------------------------------------------------
# Post-selection (partial measurement of the ancillas)
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# From measurements to pixels
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# Probabilities, samples and expectation values
# --------------------------------------------------------------------------------------------
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
