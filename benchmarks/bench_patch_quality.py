"""The patch QGAN's quality targets, measured through the command line over three seeds.

Exactly what a learner would run, for S = 0, 1, 2::

    python -m qgan_helpers train patch --digit 0 --seed S --out P.pt
    python -m qgan_helpers sample P.pt --n 445 --seed 1000+S --out P.npy
    python -m qgan_helpers evaluate P.npy --digit 0 --json

and for the class-conditional generator, ``train patch --conditional --seed S`` and, per digit D,
``sample --digit D`` (five times the digit's held-out count) and ``evaluate --digit D``.

The targets (ours, not the learner's; they are not shown on the pages), medians over the seeds,
scored against the held-out zeros:

* two-sample accuracy <= 0.85; coverage >= 0.75;
* Fréchet distance no worse than the best classical GAN with at most 10x the parameters (from
  ``qgan_helpers/results/budget_curve.json``, the median over its seeds);
* training <= 120 s on 2 cores;
* conditional: every digit's samples classified as that digit at least 90 % of the time by the
  feature network (the per-digit two-sample accuracy is reported beside it).

Results go to ``qgan_helpers/results/patch_quality.json``; the part that is run replaces its entry.

Usage::

    .venv/bin/python benchmarks/bench_patch_quality.py                 # both parts (~10 min)
    .venv/bin/python benchmarks/bench_patch_quality.py --parts digit0 --seeds 0
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from qgan_helpers.resources import results_dir

ROOT = Path(__file__).resolve().parent
RESULTS = results_dir() / "patch_quality.json"
BUDGET_CURVE = results_dir() / "budget_curve.json"
TARGETS = {"two_sample": 0.85, "coverage": 0.75, "train_seconds": 120.0, "conditional_digit_accuracy": 0.90,
           "classical_budget_factor": 10}


def _cli(*args: str) -> tuple[str, float]:
    """Run ``python -m qgan_helpers ARGS``; return stdout and the command's wall time."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qgan_helpers", *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"qgan_helpers {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return done.stdout, seconds


def _heldout_count(digit: int) -> int:
    from qgan_helpers.metrics.datasets import real_images

    return len(real_images("digits", "heldout", digit)[0])


def _scores(npy: Path, digit: int) -> dict[str, Any]:
    out, _ = _cli("evaluate", str(npy), "--digit", str(digit), "--json")
    return json.loads(out)["samples"]


def run_digit0(seed: int, workdir: Path) -> dict[str, Any]:
    pt, npy = workdir / f"patch0_s{seed}.pt", workdir / f"patch0_s{seed}.npy"
    _, train_wall = _cli("train", "patch", "--digit", "0", "--seed", str(seed), "--out", str(pt), "--no-progress")
    provenance = json.loads(pt.with_suffix(".json").read_text())
    n = 5 * _heldout_count(0)
    _cli("sample", str(pt), "--n", str(n), "--seed", str(1000 + seed), "--out", str(npy))
    return {"seed": seed, "command_wall_s": round(train_wall, 1), "train_wall_s": provenance["wall_time_s"],
            "train_cpu_s": provenance["cpu_time_s"], "steps": provenance["steps"],
            "params": provenance["trainable_parameters"], "scores": _scores(npy, 0)}


def run_conditional(seed: int, workdir: Path) -> dict[str, Any]:
    pt = workdir / f"cond_s{seed}.pt"
    _, train_wall = _cli("train", "patch", "--conditional", "--seed", str(seed), "--out", str(pt), "--no-progress")
    provenance = json.loads(pt.with_suffix(".json").read_text())
    per_digit = {}
    for digit in range(10):
        npy = workdir / f"cond_s{seed}_d{digit}.npy"
        _cli("sample", str(pt), "--n", str(5 * _heldout_count(digit)), "--seed", str(2000 + 10 * seed + digit),
             "--digit", str(digit), "--out", str(npy))
        s = _scores(npy, digit)
        per_digit[str(digit)] = {k: s[k] for k in ("digit_accuracy", "two_sample", "frechet", "coverage", "copying")}
    accuracies = [v["digit_accuracy"] for v in per_digit.values()]
    return {"seed": seed, "command_wall_s": round(train_wall, 1), "train_wall_s": provenance["wall_time_s"],
            "train_cpu_s": provenance["cpu_time_s"], "params": provenance["trainable_parameters"],
            "per_digit": per_digit, "min_digit_accuracy": min(accuracies)}


def best_classical(params: int) -> dict[str, Any]:
    """The classical GAN of the budget curve with the lowest median FD among those with <= 10x ``params``."""
    curve = json.loads(BUDGET_CURVE.read_text())["summary"]
    limit = TARGETS["classical_budget_factor"] * params
    eligible = {k: v for k, v in curve.items() if k.startswith("mlp") and v["params"] <= limit}
    name = min(eligible, key=lambda k: eligible[k]["frechet"]["median"])
    return {"name": name, "params": eligible[name]["params"], "frechet_median": eligible[name]["frechet"]["median"],
            "two_sample_median": eligible[name]["two_sample"]["median"],
            "coverage_median": eligible[name]["coverage"]["median"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="*", default=["digit0", "conditional"], choices=["digit0", "conditional"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    args = parser.parse_args(argv)
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data = {k: v for k, v in data.items() if k in ("digit0", "conditional", "runs")}
    from qgan_helpers.training import PATCH_DEFAULTS, package_versions

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "digit0" in args.parts:
            runs = []
            for seed in args.seeds:
                r = run_digit0(seed, work)
                runs.append(r)
                s = r["scores"]
                print(f"digit 0 seed {seed}: two-sample {s['two_sample']:.3f} coverage {s['coverage']:.2f} "
                      f"FD {s['frechet']:.1f} train {r['train_wall_s']:.0f} s wall / {r['train_cpu_s']:.0f} s CPU",
                      flush=True)
            med = {k: statistics.median(r["scores"][k] for r in runs) for k in ("two_sample", "coverage", "frechet")}
            classical = best_classical(runs[0]["params"])
            data["digit0"] = {
                "runs": runs, "median": med, "best_classical_within_10x": classical,
                "max_train_wall_s": max(r["train_wall_s"] for r in runs),
                "targets": TARGETS, "settings": PATCH_DEFAULTS,
                "met": {"two_sample": med["two_sample"] <= TARGETS["two_sample"],
                        "coverage": med["coverage"] >= TARGETS["coverage"],
                        "frechet": med["frechet"] <= classical["frechet_median"],
                        "train_seconds": max(r["train_wall_s"] for r in runs) <= TARGETS["train_seconds"]},
            }
            print(json.dumps(data["digit0"]["met"]), flush=True)
        if "conditional" in args.parts:
            runs = []
            for seed in args.seeds:
                r = run_conditional(seed, work)
                runs.append(r)
                print(f"conditional seed {seed}: min digit accuracy {r['min_digit_accuracy']:.3f}, "
                      f"train {r['train_wall_s']:.0f} s", flush=True)
            data["conditional"] = {
                "runs": runs, "min_digit_accuracy_per_seed": [r["min_digit_accuracy"] for r in runs],
                "met": all(r["min_digit_accuracy"] >= TARGETS["conditional_digit_accuracy"] for r in runs),
            }
    data.setdefault("runs", []).append({
        "command": "python benchmarks/bench_patch_quality.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "packages": package_versions()})
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
