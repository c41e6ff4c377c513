"""Bars and stripes: the classic toy data set of Born machines and Boltzmann machines.

An ``rows x cols`` image of black/white pixels is a *bars and stripes* (BAS) pattern when every
column is constant (vertical **bars**) or every row is constant (horizontal **stripes**). There are
``2**cols`` bar patterns and ``2**rows`` stripe patterns; the all-white and the all-black image are
both, so a grid has ``2**rows + 2**cols - 2`` valid patterns -- 14 of the ``2**9 = 512`` images of a
3x3 grid, 6 of the 16 images of a 2x2 grid.

Conventions (the same as PennyLane's and :mod:`qgan_helpers.quantum.measurement`): an image is flattened row
by row into a bit string ``x = (x_0, ..., x_{n-1})`` with ``n = rows * cols``, bit ``x_k`` is the
pixel in row ``k // cols``, column ``k % cols``, and the index of a bit string in a probability
vector of length ``2**n`` reads ``x_0`` as the **most significant** bit. Bits are ints ``0``/``1``;
a qubit (or spin) reading ``0`` has ``Z = +1``.

Examples
--------
>>> patterns = bars_and_stripes(3, 3)
>>> patterns.shape
(14, 9)
>>> round(float(bas_distribution(3, 3).sum()), 12)
1.0
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from qgan_helpers import validation

__all__ = [
    "MAX_BITS",
    "n_patterns",
    "bars_and_stripes",
    "bas_distribution",
    "is_bars_and_stripes",
    "all_bitstrings",
    "bits_to_index",
    "index_to_bits",
    "check_bits",
]

MAX_BITS = 20
"""Largest ``rows * cols`` for which distributions over all ``2**n`` bit strings are built."""


def _grid(rows: Any, cols: Any) -> tuple[int, int]:
    rows, cols = validation.positive_int("rows", rows), validation.positive_int("cols", cols)
    if rows * cols > MAX_BITS:
        raise ValueError(
            f"rows: expected rows * cols <= {MAX_BITS} bits (a distribution over all 2**n images must fit), "
            f"got {rows} x {cols} = {rows * cols}"
        )
    return rows, cols


def n_patterns(rows: int, cols: int) -> int:
    """Number of bars-and-stripes patterns of a ``rows x cols`` grid: ``2**rows + 2**cols - 2``.

    Examples
    --------
    >>> n_patterns(3, 3), n_patterns(2, 2), n_patterns(1, 4)
    (14, 6, 16)
    """
    rows, cols = _grid(rows, cols)
    return len(bars_and_stripes(rows, cols))


def bars_and_stripes(rows: int, cols: int) -> np.ndarray:
    """All distinct bars-and-stripes patterns of a ``rows x cols`` grid, flattened row by row.

    Parameters
    ----------
    rows, cols : int
        Grid size; ``rows * cols <= MAX_BITS``.

    Returns
    -------
    numpy.ndarray of int64, shape (K, rows * cols)
        One pattern per row, bits 0/1, sorted by their index (first bit most significant).
        ``K = 2**rows + 2**cols - 2`` for grids with at least two rows and two columns.

    Examples
    --------
    >>> bars_and_stripes(2, 2).tolist()
    [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]
    """
    rows, cols = _grid(rows, cols)
    found = set()
    for bars in itertools.product((0, 1), repeat=cols):  # every column constant
        found.add(tuple(np.tile(bars, rows)))
    for stripes in itertools.product((0, 1), repeat=rows):  # every row constant
        found.add(tuple(np.repeat(stripes, cols)))
    # lexicographic order of the tuples = index order (first bit most significant)
    return np.array(sorted(found), dtype=np.int64)


def all_bitstrings(n: int) -> np.ndarray:
    """Every bit string of length ``n`` in index order (row ``k`` is the binary expansion of ``k``).

    Returns
    -------
    numpy.ndarray of int64, shape (2**n, n)
        First bit most significant, as in PennyLane's ``qml.probs``.

    Examples
    --------
    >>> all_bitstrings(2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    n = validation.positive_int("n", n)
    if n > MAX_BITS:
        raise ValueError(f"n: expected at most {MAX_BITS} bits, got {n}")
    k = np.arange(2**n, dtype=np.int64)
    return (k[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1


def check_bits(data: Any, n_bits: int | None = None, name: str = "data") -> np.ndarray:
    """Validate bit strings and return them as an int64 array of shape ``(N, n_bits)``.

    Parameters
    ----------
    data : array-like or torch tensor, shape (N, n_bits)
        Bits 0/1 (ints, floats equal to 0.0/1.0 or bools).
    n_bits : int, optional
        The required number of bits per row.
    name : str
        Argument name for the error messages.

    Raises
    ------
    ValueError
        For a wrong shape, no rows, or values other than 0 and 1.
    TypeError
        For non-numeric data.

    Examples
    --------
    >>> check_bits([[0, 1], [1, 1]], 2).tolist()
    [[0, 1], [1, 1]]
    """
    if hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"{name}: expected an array of bits of shape (N, n_bits), got {type(data).__name__}")
    try:
        a = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected an array of bits of shape (N, n_bits), got {type(data).__name__}") from None
    expected = f"(N, {n_bits})" if n_bits is not None else "(N, n_bits)"
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of bits of shape {expected}, got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one bit string, got shape {a.shape}")
    if n_bits is not None and a.shape[1] != n_bits:
        raise ValueError(f"{name}: expected shape {expected}, got shape {a.shape}")
    if not np.all((a == 0) | (a == 1)):
        bad = a[~((a == 0) | (a == 1))].ravel()[0]
        raise ValueError(f"{name}: expected binary data (bits 0 or 1), got the value {float(bad)!r}")
    return a.astype(np.int64)


def bits_to_index(bits: Any) -> np.ndarray:
    """Index of each bit string in a probability vector (first bit most significant).

    Parameters
    ----------
    bits : array-like, shape (N, n)

    Returns
    -------
    numpy.ndarray of int64, shape (N,)

    Examples
    --------
    >>> bits_to_index([[1, 1, 0], [0, 0, 1]]).tolist()
    [6, 1]
    """
    a = check_bits(bits, name="bits")
    n = a.shape[1]
    if n > 62:
        raise ValueError(f"bits: expected at most 62 bits per string, got {n}")
    return a @ (2 ** np.arange(n - 1, -1, -1, dtype=np.int64))


def index_to_bits(index: Any, n: int) -> np.ndarray:
    """Bit strings of length ``n`` for basis-state indices (inverse of :func:`bits_to_index`).

    Examples
    --------
    >>> index_to_bits([6, 1], 3).tolist()
    [[1, 1, 0], [0, 0, 1]]
    """
    n = validation.positive_int("n", n)
    if hasattr(index, "detach"):
        index = index.detach().cpu().numpy()
    k = np.asarray(index)
    if k.ndim != 1 or not np.issubdtype(k.dtype, np.integer):
        raise ValueError(f"index: expected a 1-D array of integers, got shape {k.shape} and dtype {k.dtype}")
    if k.size and (k.min() < 0 or k.max() >= 2**n):
        raise ValueError(f"index: expected integers in [0, {2**n}) for n={n}, got values in [{k.min()}, {k.max()}]")
    return (k.astype(np.int64)[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1


def is_bars_and_stripes(bits: Any, rows: int, cols: int) -> np.ndarray:
    """Whether each bit string is a valid bars-and-stripes pattern of a ``rows x cols`` grid.

    Parameters
    ----------
    bits : array-like, shape (N, rows * cols)
    rows, cols : int

    Returns
    -------
    numpy.ndarray of bool, shape (N,)

    Examples
    --------
    >>> is_bars_and_stripes([[1, 0, 1, 0], [1, 0, 0, 1]], 2, 2).tolist()
    [True, False]
    """
    rows, cols = _grid(rows, cols)
    a = check_bits(bits, rows * cols, name="bits").reshape(-1, rows, cols)
    columns_constant = np.all(a == a[:, :1, :], axis=(1, 2))
    rows_constant = np.all(a == a[:, :, :1], axis=(1, 2))
    return columns_constant | rows_constant


def bas_distribution(rows: int, cols: int) -> np.ndarray:
    """The data distribution: uniform over the bars-and-stripes patterns, zero elsewhere.

    Returns
    -------
    numpy.ndarray of float64, shape (2**(rows * cols),)
        Sums to 1; index order as in :func:`all_bitstrings`.

    Examples
    --------
    >>> p = bas_distribution(2, 2)
    >>> np.flatnonzero(p).tolist(), float(p.max())
    ([0, 3, 5, 10, 12, 15], 0.16666666666666666)
    """
    rows, cols = _grid(rows, cols)
    patterns = bars_and_stripes(rows, cols)
    p = np.zeros(2 ** (rows * cols))
    p[bits_to_index(patterns)] = 1.0 / len(patterns)
    return p
