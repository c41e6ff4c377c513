"""Provenance: the versions that made a file, recorded beside it.

Checkpoints (:mod:`qgan_helpers.training.checkpoints`), the feature networks' weights
(:mod:`qgan_helpers.metrics.features`) and the benchmark results record :func:`package_versions`, so a
reader can tell which Python, PyTorch and PennyLane produced a number.
"""

from __future__ import annotations

import platform

__all__ = ["package_versions"]


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a training run.

    Examples
    --------
    >>> sorted(package_versions())[:3]
    ['numpy', 'pennylane', 'platform']
    """
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in ("torch", "pennylane", "numpy", "scikit-learn", "qgan_helpers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
