"""The course's one train/held-out split, shared by every bundled data set.

Generators train on the training half of each class; every score is computed against the held-out
half, which no model ever sees. The 8x8 digits (:mod:`qgan_helpers.data.digits`) and the 5,000 real
MNIST digits (:mod:`qgan_helpers.data.mnist_sample`) are split by the same rule, kept here:
:func:`heldout_mask` draws it, :func:`selection_mask` combines it with a choice of classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qgan_helpers.data._checks import check_classes, check_split

__all__ = ["HELDOUT_FRACTION", "SPLIT_SEED", "heldout_mask", "selection_mask"]

HELDOUT_FRACTION: float = 0.5
"""Fraction of each digit's images held out from training (rounded down per digit)."""

SPLIT_SEED: int = 20261205
"""Seed of the one fixed train/held-out split of the bundled digits (see :func:`heldout_mask`)."""


def heldout_mask(labels: np.ndarray) -> np.ndarray:
    """The course's one train/held-out split: a boolean mask, ``True`` for held-out images.

    For every class separately, a permutation drawn from ``numpy.random.default_rng(SPLIT_SEED)``
    (one generator, classes in increasing order) picks ``floor(HELDOUT_FRACTION * n_c)`` of the
    class's ``n_c`` images as held out. The split is fixed: every generator trains on the training
    part, and every score is computed against the held-out part, which no model -- generator,
    discriminator, feature network or digit classifier -- ever sees during training.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (N,)

    Returns
    -------
    numpy.ndarray of bool, shape (N,)

    Examples
    --------
    >>> mask = heldout_mask(np.array([0, 0, 1, 1, 1]))
    >>> int(mask.sum()), bool(mask[:2].sum() == 1)
    (2, True)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected a 1-d integer array of class labels, got shape {labels.shape} {labels.dtype}")
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        chosen = rng.permutation(len(idx))[: int(HELDOUT_FRACTION * len(idx))]
        mask[idx[np.sort(chosen)]] = True
    return mask


def selection_mask(labels: np.ndarray, digits: Any = None, split: str | None = None) -> np.ndarray:
    """Which images a loader keeps: the classes ``digits`` of the part ``split`` of a data set.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (N,)
        The whole data set's labels (the split is drawn on all of them).
    digits : None, int or iterable of int in 0..9
        Classes to keep (``None``: all).
    split : {None, "train", "heldout", "test"}
        Part to keep (``None``: both; ``"test"`` is an alias of ``"heldout"``).

    Returns
    -------
    numpy.ndarray of bool, shape (N,)

    Raises
    ------
    ValueError
        If ``digits`` holds anything other than ints in ``0..9``, is empty, or ``split`` is unknown.

    Examples
    --------
    >>> selection_mask(np.array([0, 0, 1, 1]), digits=1, split="train").tolist()
    [False, False, False, True]
    """
    selected = check_classes("digits", digits)
    split = check_split(split)
    keep = np.ones(len(labels), dtype=bool)
    if split is not None:
        held = heldout_mask(labels)
        keep &= held if split == "heldout" else ~held
    if selected is not None:
        keep &= np.isin(labels, selected)
    return keep
