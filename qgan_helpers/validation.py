"""One place for argument checks, so that the same mistake raises the same error everywhere.

The rule of the whole package:

* a value of the **wrong kind** (``2.5`` or ``True`` where an integer is expected, a string where
  a number is expected, a list where a tensor is expected) raises :class:`ArgumentTypeError`;
* a value of the right kind but **out of range** (``n_qubits=0``, ``sigma=-1``, NaN) raises
  :class:`ValueError`.

:class:`ArgumentTypeError` derives from both :class:`TypeError` and :class:`ValueError`, so code
that catches either still catches it. Every message starts with the argument's name, says what was
expected and shows what was given: ``"n_qubits: expected an integer >= 1, got 2.5 (float)"``.

Examples
--------
>>> positive_int("n_qubits", 4)
4
>>> try:
...     positive_int("n_qubits", 2.5)
... except ValueError as err:
...     print(err)
n_qubits: expected an integer >= 1, got 2.5 (float)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "ArgumentTypeError",
    "is_int",
    "integer",
    "positive_int",
    "non_negative_int",
    "seed",
    "number",
    "positive_number",
    "probability",
    "choice",
    "image_batch",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (caught by ``except TypeError`` and by ``except ValueError``)."""


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def is_int(value: Any) -> bool:
    """``True`` for Python and NumPy integers, ``False`` for bools and everything else.

    Examples
    --------
    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))


def integer(name: str, value: Any, low: int | None = None, high: int | None = None, *, hint: str = "") -> int:
    """Check that ``value`` is an integer in ``[low, high]`` (either bound may be ``None``).

    ``hint`` is said after what was expected, to explain a bound that is not obvious.

    Raises
    ------
    ArgumentTypeError
        If ``value`` is not an integer (bools and floats such as ``2.0`` are refused).
    ValueError
        If it is outside the bounds.

    Examples
    --------
    >>> integer("digit", 3, 0, 9)
    3
    >>> try:
    ...     integer("n_qubits", 30, 1, 12, hint="exact simulation keeps all 2**n amplitudes")
    ... except ValueError as err:
    ...     print(err)
    n_qubits: expected an integer in 1..12 (exact simulation keeps all 2**n amplitudes), got 30
    """
    if low is not None and high is not None:
        wanted = f"an integer in {low}..{high}"
    elif low is not None:
        wanted = f"an integer >= {low}"
    elif high is not None:
        wanted = f"an integer <= {high}"
    else:
        wanted = "an integer"
    if hint:
        wanted = f"{wanted} ({hint})"
    if not is_int(value):
        raise ArgumentTypeError(f"{name}: expected {wanted}, got {_shown(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}: expected {wanted}, got {int(value)}")
    return int(value)


def positive_int(name: str, value: Any) -> int:
    """An integer ``>= 1`` (see :func:`integer`).

    Examples
    --------
    >>> positive_int("steps", 10)
    10
    """
    return integer(name, value, 1)


def non_negative_int(name: str, value: Any) -> int:
    """An integer ``>= 0`` (see :func:`integer`)."""
    return integer(name, value, 0)


def seed(value: Any, name: str = "seed") -> int:
    """A seed: a non-negative integer.

    Examples
    --------
    >>> seed(0)
    0
    """
    return integer(name, value, 0)


def number(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number in the interval given by ``low``/``high`` (open or closed ends).

    Raises
    ------
    ArgumentTypeError
        If ``value`` is not a real number (bools and strings are refused).
    ValueError
        If it is NaN, infinite or outside the interval.

    Examples
    --------
    >>> number("sigma", 2, 0, low_open=True)
    2.0
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    if low is not None and high is not None:
        wanted = f"a number in {left}{low}, {high}{right}"
    elif low is not None:
        wanted = f"a number {'>' if low_open else '>='} {low}"
    elif high is not None:
        wanted = f"a number {'<' if high_open else '<='} {high}"
    else:
        wanted = "a finite number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name}: expected {wanted}, got {_shown(value)}")
    v = float(value)
    bad = not math.isfinite(v)
    if low is not None:
        bad = bad or (v <= low if low_open else v < low)
    if high is not None:
        bad = bad or (v >= high if high_open else v > high)
    if bad:
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    return v


def positive_number(name: str, value: Any) -> float:
    """A finite number ``> 0`` (see :func:`number`).

    Examples
    --------
    >>> positive_number("lr", 0.01)
    0.01
    """
    return number(name, value, 0, low_open=True)


def probability(name: str, value: Any, high: float = 1.0) -> float:
    """A probability: a number in ``[0, high]`` (see :func:`number`).

    ``high`` is 1 unless the quantity has a smaller natural maximum, e.g. 0.75 for the
    depolarizing probability that already mixes a qubit completely, 0.5 for a bit-flip rate.

    Examples
    --------
    >>> probability("p", 0.25)
    0.25
    >>> try:
    ...     probability("readout", 0.6, high=0.5)
    ... except ValueError as err:
    ...     print(err)
    readout: expected a number in [0, 0.5], got 0.6
    """
    return number(name, value, 0, high)


def choice(name: str, value: Any, options: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``options``.

    Examples
    --------
    >>> choice("loss", "wgan-gp", ("non-saturating", "wgan-gp"))
    'wgan-gp'
    """
    if isinstance(value, (list, dict, set)) or value not in tuple(options):
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def image_batch(
    name: str,
    images: Any,
    *,
    n_pixels: int | None = None,
    min_count: int = 1,
    unit_range: bool = True,
    tolerance: float = 1e-6,
) -> np.ndarray:
    """Images of shape ``(N, H, W)`` or ``(N, H*W)`` as a float64 array of shape ``(N, H*W)``.

    Parameters
    ----------
    name : str
        The argument's name, for the error messages.
    images : array, tensor or nested lists, shape (N, H, W) or (N, D)
    n_pixels : int, optional
        Required pixels per image (e.g. 64 for the 8x8 digits).
    min_count : int
        Required number of images.
    unit_range : bool
        Require values in ``[0, 1]`` (up to ``tolerance``; values are then clipped into it).
    tolerance : float

    Returns
    -------
    numpy.ndarray, shape (N, D), float64

    Examples
    --------
    >>> image_batch("samples", np.zeros((3, 8, 8)), n_pixels=64).shape
    (3, 64)
    """
    if hasattr(images, "detach") and hasattr(images, "cpu"):
        images = images.detach().cpu().numpy()
    try:
        arr = np.asarray(images, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"{name}: expected an array of images with shape (N, H, W) or (N, pixels), got {type(images).__name__}"
        ) from None
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name}: expected images of shape (N, H, W) or (N, pixels), got shape {arr.shape}")
    arr = arr.reshape(arr.shape[0], -1)
    if n_pixels is not None and arr.shape[1] != n_pixels:
        side = math.isqrt(n_pixels)
        shape = f"(N, {side}, {side}) or (N, {n_pixels})" if side * side == n_pixels else f"(N, {n_pixels})"
        raise ValueError(f"{name}: expected images of shape {shape}, got shape {np.shape(images)}")
    if arr.shape[0] < min_count:
        raise ValueError(f"{name}: expected at least {min_count} images, got {arr.shape[0]}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite pixel values, got NaN or infinity")
    if unit_range:
        lo, hi = float(arr.min(initial=0.0)), float(arr.max(initial=0.0))
        if lo < -tolerance or hi > 1 + tolerance:
            raise ValueError(f"{name}: expected pixel values in [0, 1], got values from {lo:.4g} to {hi:.4g}")
        arr = np.clip(arr, 0.0, 1.0)
    return arr
