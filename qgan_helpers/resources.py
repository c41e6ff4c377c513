"""Where the data the pages load lives: inside the package, so that any install has it.

The course ships three kinds of files with ``qgan_helpers`` (package data, in the wheel too):

============  =====================================  ==============================================
name          folder in the package                  what
============  =====================================  ==============================================
checkpoints   ``qgan_helpers/checkpoints``           trained generators (``.pt``) with their
                                                     provenance (``.json``); ``born/`` for Born machines
results       ``qgan_helpers/results``               the benchmark results the pages quote (JSON),
                                                     written by the scripts in ``benchmarks/``
weights       ``qgan_helpers/metrics/weights``       the feature networks of the image measures
============  =====================================  ==============================================

They are found through :mod:`importlib.resources`, so a notebook copied alone into an empty folder
(Colab, a student's laptop) finds them as well as one run in a checkout of the repository.

Examples
--------
>>> sorted(shipped())
['checkpoints', 'results', 'weights']
>>> (checkpoints_dir() / "patch_digit0_seed0.pt").is_file()
True
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["checkpoints_dir", "results_dir", "weights_dir", "shipped"]


def _folder(*parts: str) -> Path:
    """A folder of the installed package as a filesystem path (the package is never zipped)."""
    return Path(str(files("qgan_helpers").joinpath(*parts)))


def checkpoints_dir() -> Path:
    """The shipped checkpoints: ``qgan_helpers/checkpoints``."""
    return _folder("checkpoints")


def results_dir() -> Path:
    """The shipped benchmark results: ``qgan_helpers/results``."""
    return _folder("results")


def weights_dir() -> Path:
    """The feature networks' weights: ``qgan_helpers/metrics/weights``."""
    return _folder("metrics", "weights")


def shipped() -> dict[str, Path]:
    """Every kind of package data, by name: ``{"checkpoints": ..., "results": ..., "weights": ...}``."""
    return {"checkpoints": checkpoints_dir(), "results": results_dir(), "weights": weights_dir()}
