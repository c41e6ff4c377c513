"""Summaries of many error values: over circuits or images, over seeds, and how much of a gap closes.

The error measures (:mod:`~qgan_helpers.hardware.error_measures`) give one number per circuit or
image, and the mitigation comparison (:mod:`~qgan_helpers.hardware.mitigation_comparison`) one set of
numbers per seed. These functions condense them:

* :func:`summarize` -- mean, sample standard deviation, median, min and max of a set of numbers;
* :func:`aggregate_seeds` -- the same for every number of nested per-seed results;
* :func:`gap_recovered` -- the share of the gap ``damaged - reference`` that a repair closes;
* :func:`median_pairwise_distance` -- the median heuristic for the width of an RBF kernel.

Examples
--------
>>> summarize([0.1, 0.3])["mean"], gap_recovered(1.0, 0.25, 0.0)
(0.2, 0.75)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from qgan_helpers.hardware.error_measures import _finite_array

__all__ = ["summarize", "aggregate_seeds", "gap_recovered", "median_pairwise_distance"]


def summarize(values: Any) -> dict[str, float]:
    """Mean and spread of a set of numbers (e.g. the TV of every circuit): mean, std, median, min, max.

    ``std`` is the sample standard deviation (``ddof=1``); it is 0.0 for a single value.

    Parameters
    ----------
    values : array, any shape, at least one element
        Flattened.

    Returns
    -------
    dict
        ``{"mean", "std", "median", "min", "max"}`` as floats.

    Examples
    --------
    >>> summarize([1.0, 2.0, 6.0])
    {'mean': 3.0, 'std': 2.6457513110645907, 'median': 2.0, 'min': 1.0, 'max': 6.0}
    """
    v = _finite_array("values", values).ravel()
    if v.size < 1:
        raise ValueError("values: expected at least one number, got an empty array")
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "median": float(np.median(v)),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _aggregate(path: str, items: list[tuple[Any, Any]]) -> Any:
    first = items[0][1]
    if isinstance(first, Mapping):
        keys = list(first)
        for seed, value in items:
            if not isinstance(value, Mapping) or set(value) != set(keys):
                got = sorted(value) if isinstance(value, Mapping) else type(value).__name__
                raise ValueError(f"per_seed: expected seed {seed!r} to have the keys {sorted(keys)} at "
                                 f"{path or 'the top level'}, got {got}")
        return {k: _aggregate(f"{path}/{k}" if path else str(k), [(s, v[k]) for s, v in items]) for k in keys}
    for seed, value in items:
        if not _is_number(value):
            raise ValueError(f"per_seed: expected a number at {path!r} for seed {seed!r}, got {type(value).__name__}")
        if not math.isfinite(float(value)):
            raise ValueError(f"per_seed: expected a finite number at {path!r} for seed {seed!r}, got {value!r}")
    values = [float(v) for _, v in items]
    return {**summarize(values), "values": values}


def aggregate_seeds(per_seed: Mapping[Any, Any]) -> dict[str, Any]:
    """Aggregate (nested) results of several seeds: every number becomes its summary over the seeds.

    Parameters
    ----------
    per_seed : mapping seed -> (nested) mapping of str -> number
        The same keys for every seed, e.g. the output of :func:`mitigation_errors` for each seed.

    Returns
    -------
    dict
        The same nesting; each number replaced by :func:`summarize` over the seeds (``mean``,
        ``std`` with ``ddof=1``, ``median``, ``min``, ``max``) plus ``values``, the numbers in the
        order of ``per_seed``; and ``"seeds"``, the list of seeds, at the top level.

    Examples
    --------
    >>> out = aggregate_seeds({0: {"noisy": {"tv": 0.2}}, 1: {"noisy": {"tv": 0.4}}})
    >>> out["seeds"], out["noisy"]["tv"]["median"], out["noisy"]["tv"]["values"]
    ([0, 1], 0.30000000000000004, [0.2, 0.4])
    """
    if not isinstance(per_seed, Mapping) or len(per_seed) < 1:
        raise ValueError(f"per_seed: expected a non-empty mapping seed -> results, got "
                         f"{type(per_seed).__name__ if not isinstance(per_seed, Mapping) else 'an empty mapping'}")
    items = list(per_seed.items())
    if not isinstance(items[0][1], Mapping):
        raise ValueError(f"per_seed: expected each seed's results to be a mapping of names to numbers, got "
                         f"{type(items[0][1]).__name__}")
    if "seeds" in items[0][1]:
        raise ValueError("per_seed: 'seeds' is reserved for the list of seeds; rename that key")
    return {"seeds": [s for s, _ in items], **_aggregate("", items)}


def gap_recovered(damaged: float, repaired: float, reference: float) -> float:
    """The share of the gap ``damaged - reference`` that ``repaired`` closes: ``(damaged - repaired) / (damaged - reference)``.

    1 means back to the reference, 0 no gain; above 1 the repaired value lies beyond the reference
    (e.g. a mitigated MMD² below the ideal generator's), below 0 it got worse.

    Examples
    --------
    >>> gap_recovered(0.3, 0.12, 0.1)
    0.9
    """
    for name, value in (("damaged", damaged), ("repaired", repaired), ("reference", reference)):
        if not _is_number(value) or not math.isfinite(float(value)):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    gap = float(damaged) - float(reference)
    if gap == 0:
        raise ValueError(f"reference: expected a value different from damaged ({damaged!r}); the gap is zero")
    return (float(damaged) - float(repaired)) / gap + 0.0  # + 0.0: no -0.0


def median_pairwise_distance(images: Any) -> float:
    """The median Euclidean distance between all pairs of different images (median heuristic for an RBF width).

    Parameters
    ----------
    images : array or tensor, shape (N, ...), N >= 2
        Each image is flattened.

    Returns
    -------
    float

    Examples
    --------
    >>> median_pairwise_distance([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
    4.242640687119285
    """
    x = _finite_array("images", images)
    if x.ndim < 2 or x.shape[0] < 2:
        raise ValueError(f"images: expected shape (N, ...) with N >= 2 images, got {x.shape}")
    x = x.reshape(len(x), -1)
    i, j = np.triu_indices(len(x), k=1)
    return float(np.median(np.linalg.norm(x[i] - x[j], axis=1)))
