"""Quality of the patch QGAN on the real digits, held against a classical baseline of equal size.

Measures, with the course's default settings (:data:`qgan_helpers.training.PATCH_DEFAULTS`, i.e.
exactly what ``python -m qgan_helpers train patch --digit 0 --seed S`` runs):

1. **Digit 0, seeds 0, 1, 2**: MMD² (RBF, sigma = 2, the 178 generated images of the fixed evaluation
   noise against the 178 real zeros) at the end of training, the whole MMD² curve (to show that it
   does not drift upward late in the run), the classifier accuracy, and the wall-clock and CPU time
   of the training run and its number of steps. Targets: median <= 0.06, each <= 0.08, <= 120 s.
2. **Classical baseline**: :meth:`qgan_helpers.generators.ClassicalGenerator.with_budget` with at most
   the quantum generator's parameter count, trained with the same budget (same steps, batch,
   learning rates, discriminator, stabilisers, seeds).
3. **Conditional** (all ten digits, ``train patch --conditional --seed 0``): per-digit share of
   samples the course's classifier assigns to the intended digit (target >= 0.8 for every digit)
   and per-digit MMD².
4. **Reference numbers** for the scale of MMD²: two halves of the real zeros, uniform noise, and
   the mean zero repeated 178 times (a generator that ignores its noise: it scores 0.035, so MMD²
   at sigma = 2 alone cannot detect mode collapse; hence also MMD² at sigma = 1 and the
   :func:`~qgan_helpers.metrics.diversity` of the samples, against the real zeros' diversity).
5. **Ablation** (seed 0, digit 0): what each stabiliser of the defaults contributes -- no
   stabilisers, EMA of the generator weights only, the R1 penalty only, both with a constant
   learning rate, and the defaults with the demo's depth 6 -- each with its whole MMD² curve.

Results go to ``benchmarks/results/patch_quality.json`` (each part replaces its own entry; ``runs``
logs the commands that wrote the file). The machine may be shared: CPU time
(``time.process_time``, one torch thread) is reported beside the wall time, because it is what a
quiet machine would need.

Usage::

    .venv/bin/python benchmarks/bench_patch_quality.py                      # everything (~10-20 min on 2 busy cores)
    .venv/bin/python benchmarks/bench_patch_quality.py --parts quality baseline
    .venv/bin/python benchmarks/bench_patch_quality.py --conditional-checkpoint checkpoints/patch_conditional_seed0.pt
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qgan_helpers.data import load_digits_tensors
from qgan_helpers.metrics import classifier_score, count_parameters, digit_classifier, diversity, mmd2
from qgan_helpers.training import (
    CONDITIONAL_DEFAULTS,
    PATCH_DEFAULTS,
    generate,
    load_checkpoint,
    package_versions,
    train_patch_qgan,
)

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results" / "patch_quality.json"
SEEDS = (0, 1, 2)
TARGETS = {"median_mmd2": 0.06, "each_mmd2": 0.08, "wall_time_s": 120.0, "conditional_accuracy": 0.8}


def _round(x: float, n: int = 5) -> float:
    return float(round(float(x), n))


def _drift(steps: list[int], curve: list[float]) -> dict[str, float]:
    """How the MMD² curve behaves in the second half of training."""
    half = steps[-1] / 2
    late = [v for s, v in zip(steps, curve) if s >= half]
    return {
        "min_second_half": _round(min(late)),
        "max_second_half": _round(max(late)),
        "final_minus_min_second_half": _round(curve[-1] - min(late)),
    }


def reference_numbers() -> dict[str, float]:
    zeros = load_digits_tensors(0)[0].double().numpy()
    rng = np.random.default_rng(0)
    mean = np.repeat(zeros.mean(0, keepdims=True), len(zeros), axis=0)
    return {
        "halves_of_real_zeros": _round(mmd2(zeros[:89], zeros[89:])),
        "uniform_noise": _round(mmd2(rng.random(zeros.shape), zeros)),
        "mean_zero_repeated_178_times": _round(mmd2(mean, zeros)),
        "sigma1_halves_of_real_zeros": _round(mmd2(zeros[:89], zeros[89:], sigma=1.0)),
        "sigma1_mean_zero_repeated": _round(mmd2(mean, zeros, sigma=1.0)),
        "diversity_real_zeros": _round(diversity(zeros), 4),
    }


ABLATIONS: dict[str, dict[str, Any]] = {
    "no stabilisers (no EMA, no R1, constant lr)": {"ema_decay": None, "r1_gamma": 0.0, "lr_schedule": "constant"},
    "EMA only (constant lr)": {"r1_gamma": 0.0, "lr_schedule": "constant"},
    "R1 only (constant lr)": {"ema_decay": None, "lr_schedule": "constant"},
    "EMA + R1 (constant lr)": {"lr_schedule": "constant"},
    "defaults with depth 6 (the demo's depth)": {"depth": 6},
}


def run_unconditional(seed: int, classical: bool, **overrides: Any) -> dict[str, Any]:
    ckpt = train_patch_qgan(0, seed=seed, classical=classical, progress=False, **overrides)
    h = ckpt.history
    steps, curve = h.metric("mmd2")
    zeros = load_digits_tensors(0)[0]
    fresh = generate(ckpt.generator, 178, seed=1000 + seed)  # other noise than the evaluation noise
    score = classifier_score(fresh, intended=0)
    return {
        "seed": seed,
        "generator": type(ckpt.generator).__name__,
        "trainable_parameters": count_parameters(ckpt.generator),
        "steps": h.steps,
        "wall_time_s": _round(h.wall_time, 2),
        "cpu_time_s": _round(h.cpu_time, 2),
        "eval_time_s": _round(h.eval_time, 2),
        "mmd2_final": _round(curve[-1]),
        "mmd2_fresh_noise": _round(mmd2(fresh.double().numpy(), zeros.double().numpy())),
        "mmd2_sigma1_fresh_noise": _round(mmd2(fresh.double().numpy(), zeros.double().numpy(), sigma=1.0)),
        "diversity_fresh_noise": _round(diversity(fresh), 4),
        "classifier_accuracy": _round(score.accuracy, 4),
        "curve_step": [int(s) for s in steps],
        "curve_mmd2": [_round(v) for v in curve],
        **_drift(list(steps), list(curve)),
    }


def run_conditional(checkpoint: str | None) -> dict[str, Any]:
    if checkpoint:
        ckpt = load_checkpoint(checkpoint)
        source = f"checkpoint {checkpoint}"
    else:
        ckpt = train_patch_qgan(conditional=True, seed=0, progress=False)
        source = "trained in this run (seed 0)"
    images, labels = load_digits_tensors()
    per_digit = {}
    for c in range(10):
        real = images[labels == c]
        fake = generate(ckpt.generator, len(real), seed=2000 + c, labels=c)
        per_digit[str(c)] = {
            "n": len(real),
            "accuracy": _round(classifier_score(fake, intended=c).accuracy, 4),
            "mmd2": _round(mmd2(fake.double().numpy(), real.double().numpy())),
            "diversity": _round(diversity(fake), 4),
            "diversity_real": _round(diversity(real), 4),
        }
    accs = [v["accuracy"] for v in per_digit.values()]
    h = ckpt.history
    return {
        "source": source,
        "trainable_parameters": count_parameters(ckpt.generator),
        "steps": h.steps if h else None,
        "wall_time_s": _round(h.wall_time, 2) if h else None,
        "cpu_time_s": _round(h.cpu_time, 2) if h else None,
        "per_digit": per_digit,
        "min_accuracy": min(accs),
        "mean_accuracy": _round(float(np.mean(accs)), 4),
        "mean_mmd2": _round(float(np.mean([v["mmd2"] for v in per_digit.values()]))),
        "target_met": min(accs) >= TARGETS["conditional_accuracy"],
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    values = [r["mmd2_final"] for r in runs]
    return {
        "mmd2_per_seed": values,
        "mmd2_median": _round(statistics.median(values)),
        "mmd2_max": _round(max(values)),
        "wall_time_s_per_seed": [r["wall_time_s"] for r in runs],
        "cpu_time_s_per_seed": [r["cpu_time_s"] for r in runs],
        "steps": runs[0]["steps"],
        "classifier_accuracy_per_seed": [r["classifier_accuracy"] for r in runs],
        "mmd2_sigma1_per_seed": [r["mmd2_sigma1_fresh_noise"] for r in runs],
        "diversity_per_seed": [r["diversity_fresh_noise"] for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["reference", "quality", "baseline", "conditional", "ablation"],
                        choices=["reference", "quality", "baseline", "conditional", "ablation"])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--conditional-checkpoint", default=None,
                        help="evaluate this conditional checkpoint instead of training one")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    torch.set_num_threads(1)

    out = Path(args.out)
    result: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    runs_log = result.get("runs", [])
    runs_log.append({
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/bench_patch_quality.py", *sys.argv[1:]]),
        "parts": list(args.parts),
    })
    result.pop("command", None)
    result.pop("date", None)
    result.update({
        "benchmark": "patch QGAN quality on the 8x8 digits",
        "runs": runs_log,
        "defaults": {"unconditional": dict(PATCH_DEFAULTS), "conditional": dict(CONDITIONAL_DEFAULTS)},
        "targets": TARGETS,
        "classifier_heldout_accuracy": _round(digit_classifier().accuracy, 4),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(terse=True),
            "packages": package_versions(),
            "note": "shared machine: other jobs may be running; cpu_time_s is the process's CPU time",
        },
    })

    if "reference" in args.parts:
        result["reference_mmd2"] = reference_numbers()
        print("reference", result["reference_mmd2"], flush=True)
    for part, classical in (("quality", False), ("baseline", True)):
        if part not in args.parts:
            continue
        runs = []
        for seed in args.seeds:
            r = run_unconditional(seed, classical)
            runs.append(r)
            print(f"{part} seed {seed}: mmd2 {r['mmd2_final']:.4f} (fresh noise {r['mmd2_fresh_noise']:.4f}), "
                  f"acc {r['classifier_accuracy']:.3f}, {r['steps']} steps, wall {r['wall_time_s']:.1f} s, "
                  f"cpu {r['cpu_time_s']:.1f} s, params {r['trainable_parameters']}", flush=True)
        summary = summarise(runs)
        if not classical:
            summary["targets_met"] = {
                "median_mmd2": summary["mmd2_median"] <= TARGETS["median_mmd2"],
                "each_mmd2": summary["mmd2_max"] <= TARGETS["each_mmd2"],
                "cpu_time": max(summary["cpu_time_s_per_seed"]) <= TARGETS["wall_time_s"],
                "wall_time_this_run": max(summary["wall_time_s_per_seed"]) <= TARGETS["wall_time_s"],
            }
        result[part] = {"runs": runs, "summary": summary}
        print(part, json.dumps(summary), flush=True)
    if "conditional" in args.parts:
        result["conditional"] = run_conditional(args.conditional_checkpoint)
        c = result["conditional"]
        print("conditional", {k: v["accuracy"] for k, v in c["per_digit"].items()}, "min", c["min_accuracy"], flush=True)
    if "ablation" in args.parts:
        ablation = {}
        for name, overrides in ABLATIONS.items():
            r = run_unconditional(0, False, **overrides)
            ablation[name] = {"overrides": {k: v for k, v in overrides.items()}, **r}
            print(f"ablation {name}: final {r['mmd2_final']:.4f}, second half {r['min_second_half']:.4f}.."
                  f"{r['max_second_half']:.4f}", flush=True)
        result["ablation_seed0"] = ablation
    result["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
