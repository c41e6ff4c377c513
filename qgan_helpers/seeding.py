"""Reproducibility: one call seeds every random number generator the course uses."""

from __future__ import annotations

import random

import numpy as np

__all__ = ["seed_everything"]


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global generator and torch.

    Parameters
    ----------
    seed : int
        A non-negative integer below ``2**32``.

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with ``seed``, for code that prefers explicit generators.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in ``[0, 2**32)``.

    Examples
    --------
    >>> rng = seed_everything(0)
    >>> float(rng.random()) == float(np.random.default_rng(0).random())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed: expected an integer in [0, 2**32), got {seed!r} of type {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed: expected an integer in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard requirement of the course
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
