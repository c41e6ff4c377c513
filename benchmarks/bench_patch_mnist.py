"""The 28x28 patch QGAN on real MNIST (the PQWGAN setting), measured through the command line.

Exactly what a learner would run, for S = 0, 1, 2 and each digit D::

    python -m qgan_helpers train patch --data mnist --conditional --seed S --out P.pt
    python -m qgan_helpers sample P.pt --n 1000 --seed 1000+S --digit 0 --out P_0.npy    # timed
    python -m qgan_helpers sample P.pt --n 10000 --seed 2000+S --out P_all.npy          # sample i: digit i % 10

then each digit's 1,000 samples are scored with the function behind ``evaluate --dataset mnist --json``
(:func:`qgan_helpers.metrics.suite.evaluate_images`, in this process: the command's reference rows,
which do not depend on the generator, would cost about a minute per digit), and the same for the
classical twin (``--classical``: a conditional MLP with at most the quantum
generator's parameter count, trained with the same budget). The sampling time of 1,000 images is
measured twice: the whole ``sample`` command (a fresh Python process, imports included) and the
generator call alone (in this process, one thread).

The targets (ours, not the learner's; they are not shown on the pages):

* every digit's samples classified as that digit at least 90 % of the time by the 28x28 feature
  network (held-out accuracy 0.969), per seed; the per-digit two-sample accuracy is reported beside;
* training <= 15 minutes on 2 cores (``train_wall_s``; the CPU time and the machine's load average
  during the run are stored beside it, since a loaded machine stretches the wall time);
* sampling 1,000 images <= 5 s.

Results go to ``qgan_helpers/results/patch_mnist.json``; the part that is run replaces its entry.

Usage::

    .venv/bin/python benchmarks/bench_patch_mnist.py                           # quantum + classical, seeds 0-2
    .venv/bin/python benchmarks/bench_patch_mnist.py --parts quantum --seeds 0 --keep qgan_helpers/checkpoints
    .venv/bin/python benchmarks/bench_patch_mnist.py --seeds 1 --results /tmp/s1.json     # seeds in parallel,
    .venv/bin/python benchmarks/bench_patch_mnist.py --merge /tmp/s1.json                 # then merged
    .venv/bin/python benchmarks/bench_patch_mnist.py --timing        # on a quiet machine: times only (~3 min)

``--timing`` measures what the targets time, and nothing else, so that it can be run when the machine
is quiet: one training command (seed 0, quantum) and the ``sample`` command for 1,000 images of the
shipped conditional checkpoint, ``--repeats`` times, with the load average before each; the entry
``timing`` of the results file records them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qgan_helpers.resources import results_dir

RESULTS = results_dir() / "patch_mnist.json"
TARGETS = {"conditional_digit_accuracy": 0.90, "train_seconds": 900.0, "sample_1000_seconds": 5.0}
N_SAMPLES = 1000


def _cli(*args: str, cwd: Path | None = None) -> tuple[str, float]:
    """Run ``python -m qgan_helpers ARGS`` (in ``cwd``); return stdout and the command's wall time."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qgan_helpers", *args], capture_output=True, text=True, check=False,
                          cwd=cwd)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"qgan_helpers {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return done.stdout, seconds


def _generator_seconds(pt: Path) -> dict[str, float]:
    """Wall and CPU seconds of the generator call for 1,000 images of cycling digits, one thread (medians of 3)."""
    import torch

    from qgan_helpers.training import generate, load_checkpoint

    torch.set_num_threads(1)
    generator = load_checkpoint(pt).generator
    walls, cpus = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        generate(generator, N_SAMPLES, seed=0, labels=np.arange(N_SAMPLES) % 10, image_shape=(28, 28))
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {"wall": round(statistics.median(walls), 3), "cpu": round(statistics.median(cpus), 3)}


def _scores(samples: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per digit: the suite's scores of its 1,000 samples (sample ``i`` shows digit ``i % 10``) on the
    digit's held-out MNIST images -- ``evaluate --dataset mnist``'s own function, without its reference rows."""
    from qgan_helpers.metrics.suite import evaluate_images

    out = {}
    for digit in range(10):
        row = evaluate_images(samples[digit::10], digit, dataset="mnist", repeats=3, seed=digit).as_dict()
        out[str(digit)] = {k: row[k] for k in ("digit_accuracy", "two_sample", "frechet", "coverage", "copying")}
    return out


def run_conditional(seed: int, workdir: Path, classical: bool, keep: Path | None) -> dict[str, Any]:
    """Train, sample every digit, score it; the run's record."""
    name = f"{'classical' if classical else 'patch'}_mnist_conditional_seed{seed}"
    (workdir / "checkpoints").mkdir(exist_ok=True)
    pt = workdir / "checkpoints" / f"{name}.pt"
    load_before = os.getloadavg()[0]
    extra = ["--classical"] if classical else []
    _, command_wall = _cli("train", "patch", "--data", "mnist", "--conditional", *extra, "--seed", str(seed),
                           "--out", f"checkpoints/{name}.pt", "--no-progress", cwd=workdir)
    load_after = os.getloadavg()[0]
    provenance = json.loads(pt.with_suffix(".json").read_text())
    _, sample_command_s = _cli("sample", str(pt), "--n", str(N_SAMPLES), "--seed", str(1000 + seed), "--digit", "0",
                               "--out", str(workdir / f"{name}_d0.npy"))
    npy = workdir / f"{name}_all.npy"
    _cli("sample", str(pt), "--n", str(10 * N_SAMPLES), "--seed", str(2000 + seed), "--out", str(npy))
    per_digit = _scores(np.load(npy))
    if keep is not None:
        for suffix in (".pt", ".json"):
            shutil.copy(pt.with_suffix(suffix), keep / f"{name}{suffix}")
    accuracies = [v["digit_accuracy"] for v in per_digit.values()]
    return {
        "seed": seed, "command_wall_s": round(command_wall, 1), "train_wall_s": provenance["wall_time_s"],
        "train_cpu_s": provenance["cpu_time_s"], "load_average_1min_before_after": [load_before, load_after],
        "steps": provenance["steps"], "params": provenance["trainable_parameters"],
        "quantum_params": provenance.get("quantum_params"),
        "sample_1000_command_s": round(sample_command_s, 2),
        "sample_1000_generator_s": (seconds := _generator_seconds(pt))["wall"],
        "sample_1000_generator_cpu_s": seconds["cpu"],
        "per_digit": per_digit, "min_digit_accuracy": min(accuracies),
        "mean_two_sample": round(statistics.mean(v["two_sample"] for v in per_digit.values()), 4),
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "min_digit_accuracy_per_seed": [r["min_digit_accuracy"] for r in runs],
        "digit_accuracy_per_digit": {d: [r["per_digit"][d]["digit_accuracy"] for r in runs] for d in map(str, range(10))},
        "two_sample_per_digit": {d: [r["per_digit"][d]["two_sample"] for r in runs] for d in map(str, range(10))},
        "train_wall_s": [r["train_wall_s"] for r in runs], "train_cpu_s": [r["train_cpu_s"] for r in runs],
        "sample_1000_command_s": [r["sample_1000_command_s"] for r in runs],
        "sample_1000_generator_s": [r["sample_1000_generator_s"] for r in runs],
        "params": runs[0]["params"],
    }


def _met(runs: list[dict[str, Any]]) -> dict[str, bool]:
    return {
        "digit_accuracy": all(r["min_digit_accuracy"] >= TARGETS["conditional_digit_accuracy"] for r in runs),
        "train_seconds": max(r["train_wall_s"] for r in runs) <= TARGETS["train_seconds"],
        "sample_1000_seconds": max(r["sample_1000_command_s"] for r in runs) <= TARGETS["sample_1000_seconds"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="*", default=["quantum", "classical"], choices=["quantum", "classical"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--keep", type=Path, default=None, help="copy the seed-0 checkpoints into this directory")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file (default: the package's)")
    parser.add_argument("--timing", action="store_true", help="only time training (seed 0) and sampling 1,000 images")
    parser.add_argument("--repeats", type=int, default=3, help="--timing: sample commands timed (default 3)")
    parser.add_argument("--merge", type=Path, nargs="*", default=[],
                        help="only merge the runs of these results files (e.g. seeds run in parallel) into --results")
    args = parser.parse_args(argv)
    data = json.loads(args.results.read_text()) if args.results.is_file() else {}
    if args.merge:
        return _merge(data, args.results, args.merge)
    if args.timing:
        return _timing(data, args.results, args.repeats)
    from qgan_helpers.training import package_versions
    from qgan_helpers.training.patch_mnist_recipe import MNIST_CONDITIONAL_DEFAULTS

    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts:
            runs = []
            for seed in args.seeds:
                r = run_conditional(seed, Path(tmp), part == "classical", args.keep if seed == 0 else None)
                runs.append(r)
                print(f"{part} seed {seed}: min digit accuracy {r['min_digit_accuracy']:.3f}, mean two-sample "
                      f"{r['mean_two_sample']:.3f}, train {r['train_wall_s']:.0f} s wall / {r['train_cpu_s']:.0f} s "
                      f"CPU, sample 1000 {r['sample_1000_command_s']:.1f} s", flush=True)
            data[part] = {"runs": runs, "summary": _summary(runs), "met": _met(runs), "targets": TARGETS,
                          "settings": MNIST_CONDITIONAL_DEFAULTS}
            print(json.dumps(data[part]["met"]), flush=True)
    data.setdefault("history", []).append({
        "command": "python benchmarks/bench_patch_mnist.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "packages": package_versions()})
    args.results.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.results}")
    return 0


def _timing(data: dict[str, Any], results: Path, repeats: int) -> int:
    """Time the training command (seed 0) and the shipped checkpoint's ``sample`` command; record them."""
    from qgan_helpers.resources import checkpoints_dir
    from qgan_helpers.training import package_versions

    shipped = checkpoints_dir() / "patch_mnist_conditional_seed0.pt"
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            load = os.getloadavg()[0]
            _, seconds = _cli("sample", str(shipped), "--n", str(N_SAMPLES), "--seed", str(k), "--out",
                              str(Path(tmp) / "s.npy"))
            samples.append({"seconds": round(seconds, 2), "load_average_1min_before": round(load, 2)})
        load = os.getloadavg()[0]
        _, command_wall = _cli("train", "patch", "--data", "mnist", "--conditional", "--seed", "0", "--out",
                               "p.pt", "--no-progress", cwd=Path(tmp))
        provenance = json.loads((Path(tmp) / "p.json").read_text())
        train = {"command_wall_s": round(command_wall, 1), "train_wall_s": provenance["wall_time_s"],
                 "train_cpu_s": provenance["cpu_time_s"], "load_average_1min_before": round(load, 2),
                 "load_average_1min_after": round(os.getloadavg()[0], 2)}
    data["timing"] = {
        "sample_1000_command": samples,
        "sample_1000_command_median_s": statistics.median(r["seconds"] for r in samples),
        "train_seed0": train,
        "cores": os.cpu_count(),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "packages": package_versions(),
    }
    results.write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(data["timing"], indent=1))
    print(f"wrote {results}")
    return 0


def _merge(data: dict[str, Any], results: Path, others: list[Path]) -> int:
    """Add the runs of ``others`` to ``data`` (a seed's run replaces the same seed's), re-summarise, write."""
    for other in others:
        extra = json.loads(other.read_text())
        for part in ("quantum", "classical"):
            if part not in extra:
                continue
            entry = data.setdefault(part, {**extra[part], "runs": []})
            runs = {r["seed"]: r for r in entry["runs"]}
            runs.update({r["seed"]: r for r in extra[part]["runs"]})
            entry["runs"] = [runs[k] for k in sorted(runs)]
            entry["summary"], entry["met"] = _summary(entry["runs"]), _met(entry["runs"])
        data.setdefault("history", []).extend(extra.get("history", []))
    results.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
