"""Reading the checked-in benchmark results (``qgan_helpers/results/*.json``, package data) for the course's pages.

The benchmarks train many runs (ablations over seeds, classical generators across parameter
budgets, the conditional generator on all digits) that no page can repeat in its time budget. The
pages read their results instead; these functions turn the files into the rows and series a page
shows, so that no page copies the bookkeeping of another.

Examples
--------
>>> ablation = {"variants": {"digit0": {"a": {"summary": {"params": 10, "two_sample": {"median": 0.9}},
...                                         "runs": [{"steps": 100}, {"steps": 100}]}}}}
>>> ablation_rows(ablation, {"variant a": "a"}, measures=("two_sample",))
{'variant a': {'params': 10, 'steps': 100, 'two_sample': 0.9}}
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qgan_helpers.resources import results_dir

__all__ = [
    "RESULTS_DIR",
    "load_result",
    "ablation_rows",
    "budget_series",
    "seed_values",
    "conditional_per_digit",
]

RESULTS_DIR = results_dir()
"""Where the benchmark scripts write their JSON files."""


def load_result(name: str, directory: str | Path | None = None) -> dict[str, Any]:
    """Read ``<directory>/<name>.json`` (default directory: :data:`RESULTS_DIR`).

    Parameters
    ----------
    name : str
        The file's name without ``.json``, e.g. ``"patch_ablation"``.
    directory : str or Path, optional

    Returns
    -------
    dict

    Raises
    ------
    FileNotFoundError
        Naming the file and the benchmark that writes it.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name: expected a file name without directory, e.g. 'patch_ablation', got {name!r}")
    path = Path(directory) if directory is not None else RESULTS_DIR
    path = path / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such result file; run benchmarks/bench_{name}.py to produce it")
    return json.loads(path.read_text())


def ablation_rows(
    ablation: Mapping[str, Any],
    variants: Mapping[str, str],
    *,
    digit: str = "digit0",
    measures: Sequence[str] = ("two_sample", "frechet", "coverage"),
) -> dict[str, dict[str, float]]:
    """Rows of an ablation table: for each variant, its parameters, steps and median scores over seeds.

    Parameters
    ----------
    ablation : mapping
        The contents of ``patch_ablation.json`` (``{"variants": {digit: {name: {"summary", "runs"}}}}``).
    variants : mapping of str to str
        ``{row label: variant name in the file}``, in the order of the rows.
    digit : str
        The file's key of the data, e.g. ``"digit0"``.
    measures : sequence of str
        Keys of the summary whose ``"median"`` is reported.

    Returns
    -------
    dict of str to dict
        ``{label: {"params": int, "steps": int, measure: median, ...}}``.
    """
    try:
        by_name = ablation["variants"][digit]
    except (KeyError, TypeError):
        raise KeyError(f"digit: no variants for {digit!r} in the ablation results") from None
    rows: dict[str, dict[str, float]] = {}
    for label, name in variants.items():
        if name not in by_name:
            raise KeyError(f"variants: no variant {name!r} for {digit}; the file has {sorted(by_name)}")
        entry = by_name[name]
        summary = entry["summary"]
        row: dict[str, float] = {"params": int(summary["params"]),
                                 "steps": int(statistics.median(r["steps"] for r in entry["runs"]))}
        for m in measures:
            if m not in summary:
                raise KeyError(f"measures: {m!r} is not in the summary of {name!r}")
            row[m] = float(summary[m]["median"])
        rows[label] = row
    return rows


def budget_series(curve: Mapping[str, Any], measure: str, *, prefix: str = "mlp ") -> dict[str, list[float]]:
    """One measure of the budget curve across parameter budgets, sorted by parameter count.

    Parameters
    ----------
    curve : mapping
        The contents of ``budget_curve.json`` (``{"summary": {name: {"params", measure: {"median",
        "min", "max"}}}}``).
    measure : str
        E.g. ``"frechet"`` or ``"two_sample"``.
    prefix : str
        Only entries whose name starts with it (``"mlp "``: the classical MLP generators).

    Returns
    -------
    dict
        ``{"params": [...], "median": [...], "min": [...], "max": [...]}`` (over seeds).
    """
    entries = sorted((v for k, v in curve["summary"].items() if k.startswith(prefix)), key=lambda v: v["params"])
    if not entries:
        raise KeyError(f"prefix: no budget-curve entries start with {prefix!r}")
    if measure not in entries[0]:
        raise KeyError(f"measure: {measure!r} is not in the budget curve's summary")
    return {
        "params": [int(v["params"]) for v in entries],
        **{stat: [float(v[measure][stat]) for v in entries] for stat in ("median", "min", "max")},
    }


def seed_values(runs: Sequence[Mapping[str, Any]], measure: str) -> list[float]:
    """``measure`` of every run's ``"scores"`` (e.g. the seeds of ``patch_quality.json["digit0"]``)."""
    values = []
    for run in runs:
        if measure not in run.get("scores", {}):
            raise KeyError(f"measure: {measure!r} is not in the scores of run {run.get('seed', '?')}")
        values.append(float(run["scores"][measure]))
    return values


def conditional_per_digit(
    conditional: Mapping[str, Any],
    measures: Sequence[str] = ("digit_accuracy", "two_sample", "coverage"),
) -> dict[int, dict[str, float]]:
    """Per-digit scores of the conditional generator: median over seeds, and the range of the first measure.

    Parameters
    ----------
    conditional : mapping
        ``patch_quality.json["conditional"]`` (``{"runs": [{"seed", "per_digit": {"0": {...}}}]}``).
    measures : sequence of str

    Returns
    -------
    dict of int to dict
        ``{digit: {measure: median over seeds, ..., "<first measure>_min", "<first measure>_max"}}``.
    """
    runs = conditional["runs"]
    if not runs:
        raise ValueError("conditional: no runs")
    first = measures[0]
    out: dict[int, dict[str, float]] = {}
    for key in sorted(runs[0]["per_digit"], key=int):
        values = {m: [float(r["per_digit"][key][m]) for r in runs] for m in measures}
        row = {m: float(statistics.median(v)) for m, v in values.items()}
        row[f"{first}_min"] = min(values[first])
        row[f"{first}_max"] = max(values[first])
        out[int(key)] = row
    return out
