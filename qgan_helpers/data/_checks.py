"""Argument checks and error wording shared by the data loaders of :mod:`qgan_helpers.data`.

Every loader accepts the same class selections (``None``, one digit or several) and the same split
names, and reports unreadable files in the same one-line form; these helpers keep those rules and
their messages in one place. Counts and seeds are checked by :mod:`qgan_helpers.validation`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation

__all__ = ["SPLITS", "check_classes", "check_split", "check_size", "describe", "one_line"]

SPLITS = (None, "train", "heldout", "test")
"""Accepted ``split`` arguments: all images, the training half, the held-out half (alias ``"test"``)."""


def check_classes(name: str, classes: Any) -> tuple[int, ...] | None:
    """``None`` (all classes) or a sorted tuple of distinct class labels in ``0..9``.

    Parameters
    ----------
    name : str
        The argument's name, used in error messages.
    classes : None, int or iterable of int
        The selection as the caller gave it.

    Returns
    -------
    tuple of int or None

    Raises
    ------
    ValueError
        For anything other than ints in ``0..9``, or an empty selection.

    Examples
    --------
    >>> check_classes("digits", [3, 1, 3])
    (1, 3)
    >>> check_classes("digits", None) is None
    True
    """
    if classes is None:
        return None
    if validation.is_int(classes):
        items = [classes]
    elif isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
        raise ValueError(
            f"{name}: expected None, an int in 0..9 or an iterable of such ints, "
            f"got {classes!r} of type {type(classes).__name__}"
        )
    else:
        if isinstance(classes, torch.Tensor):
            classes = classes.tolist()
        items = list(np.asarray(classes).ravel().tolist()) if isinstance(classes, np.ndarray) else list(classes)
    if not items:
        raise ValueError(f"{name}: expected at least one class in 0..9, got an empty selection")
    bad = [c for c in items if not validation.is_int(c) or not 0 <= c <= 9]
    if bad:
        raise ValueError(f"{name}: expected ints in 0..9, got {bad[0]!r} in {items!r}")
    return tuple(sorted({int(c) for c in items}))


def check_split(split: Any) -> str | None:
    """``None``, ``"train"`` or ``"heldout"`` (``"test"`` is an alias of ``"heldout"``).

    Examples
    --------
    >>> check_split("test")
    'heldout'
    """
    if split not in SPLITS:
        raise ValueError(f"split: expected None, 'train' or 'heldout' (alias 'test'), got {split!r}")
    return "heldout" if split == "test" else split


def check_size(size: Any) -> tuple[int, int]:
    """``(height, width)`` from a positive int (a square) or a pair of positive ints.

    Examples
    --------
    >>> check_size(28), check_size((4, 6))
    ((28, 28), (4, 6))
    """
    if validation.is_int(size):
        pair = (size, size)
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        pair = tuple(size)
    else:
        raise ValueError(f"size: expected a positive int or a pair (height, width) of positive ints, got {size!r}")
    if not all(validation.is_int(s) and s >= 1 for s in pair):
        raise ValueError(f"size: expected a positive int or a pair (height, width) of positive ints, got {size!r}")
    return int(pair[0]), int(pair[1])


def describe(x: Any) -> str:
    """A short description of a wrong argument for an error message: its type and shape (or value).

    Examples
    --------
    >>> describe(torch.zeros(2, 3)), describe(7)
    ('Tensor of shape (2, 3)', 'int 7')
    """
    shape = getattr(x, "shape", None)
    return f"{type(x).__name__} of shape {tuple(shape)}" if shape is not None else f"{type(x).__name__} {x!r}"


def one_line(error: BaseException) -> str:
    """An exception as one line of at most 200 characters of text, prefixed by its type.

    Examples
    --------
    >>> one_line(OSError("disk\\n full"))
    'OSError: disk full'
    """
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}"
