"""Ablation of the patch QGAN's design on the 8x8 zeros, scored with the whole suite over three seeds.

Every variant is ``train_patch_qgan(0, seed=S, **overrides)`` -- the code path of
``python -m qgan_helpers train patch --digit 0 --seed S`` with some settings changed -- trained on the
89 training zeros. Its samples (``--samples`` images from a fixed seed) are scored by
:func:`qgan_helpers.metrics.suite.evaluate_images` against the 89 held-out zeros. The variants:

* the output map: ``p / max p`` (the demo's), ``minmax``, a learned black level per patch
  (``threshold``, 1 number per patch) and a learned level and gain (``threshold_gain``, 2 per patch);
* re-uploading the noise before every layer (Schuld, Sweke & Meyer 2021);
* patch shapes: more ancillas (6 qubits, 2 ancillas), 8 patches of 8 pixels;
* the loss: Wasserstein with gradient penalty (PQWGAN, Tsang et al. 2023);
* depth and the number of steps;
* trainable input scales of the noise encodings (``input_scaling``), re-encoding only every few
  layers (``upload_every``), and a wider latent: every encoding its own noise angles
  (``noise_per_upload``, "noise blocks");
* more ancillas with 8 one-row patches, and the discriminator's width (``wide D``, ``wider D``)
  and ``d_steps``.

``--digit 3`` repeats variants on the threes, a digit not used for choosing them.

Results go to ``qgan_helpers/results/patch_ablation.json`` (variants already there are kept unless
named again). Two variants run at a time, each on one torch thread; CPU seconds are what a quiet
machine needs.

Usage::

    .venv/bin/python benchmarks/bench_patch_ablation.py                      # every variant, seeds 0 1 2
    .venv/bin/python benchmarks/bench_patch_ablation.py --variants baseline threshold --seeds 0
    .venv/bin/python benchmarks/bench_patch_ablation.py --list
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from qgan_helpers.resources import results_dir

RESULTS = results_dir() / "patch_ablation.json"

VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "minmax": {"pixel_method": "minmax"},
    "threshold": {"pixel_method": "threshold"},
    "threshold_gain": {"pixel_method": "threshold_gain"},
    "reupload": {"reupload": True},
    "reupload, init 0.1": {"reupload": True, "init_scale": 0.1},
    "6 qubits, 2 ancillas": {"n_qubits": 6, "n_ancillas": 2},
    "8 patches of 8": {"n_qubits": 4, "n_ancillas": 1, "n_generators": 8},
    "wgan-gp": {"loss": "wgan-gp", "d_steps": 5, "lr_d": 0.0005},
    "depth 12": {"depth": 12},
    "3000 steps": {"steps": 3000},
    # trainable encoding scales (data re-uploading with input weights, Perez-Salinas et al. 2020)
    "input scaling": {"input_scaling": True},
    "reupload, scaled": {"reupload": True, "input_scaling": True},
    "reupload every 4, scaled": {"reupload": True, "upload_every": 4, "input_scaling": True},
    "reupload every 2, scaled": {"reupload": True, "upload_every": 2, "input_scaling": True},
    # more latent directions: every encoding reads its own noise angles (latent U * n_qubits)
    "2 noise blocks": {"reupload": True, "upload_every": 4, "noise_per_upload": True},
    "2 noise blocks, scaled": {"reupload": True, "upload_every": 4, "noise_per_upload": True, "input_scaling": True},
    "4 noise blocks, scaled": {"reupload": True, "upload_every": 2, "noise_per_upload": True, "input_scaling": True},
    "noise blocks every 4": {"reupload": True, "upload_every": 4, "noise_per_upload": True},
    "noise blocks every 6": {"reupload": True, "upload_every": 6, "noise_per_upload": True},
    "noise blocks every 8": {"reupload": True, "upload_every": 8, "noise_per_upload": True},
    "depth 16": {"depth": 16},
    "8 rows, 5 qubits 2 ancillas": {"n_qubits": 5, "n_ancillas": 2, "n_generators": 8},
    "8 rows, 6 qubits 3 ancillas": {"n_qubits": 6, "n_ancillas": 3, "n_generators": 8},
    # recipe
    "wide D": {"hidden": (128, 32)},
    "d_steps 2": {"d_steps": 2},
    "wider D": {"hidden": (256, 64)},
    # classical MLP generators (latent 5) through the same code path, for the recipe changes above
    # the stabilisers and the ancillas, each combined with the new defaults (variant names joined by +)
    "no R1": {"r1_gamma": 0.0},
    "no EMA": {"ema_decay": None},
    "constant lr": {"lr_schedule": "constant"},
    "no ancilla (3 qubits)": {"n_qubits": 3, "n_ancillas": 0},
    "1 ancilla (4 qubits)": {"n_qubits": 4, "n_ancillas": 1},
    "classical 274": {"classical": True, "classical_budget": 300},
    "classical 974": {"classical": True, "classical_budget": 1000},
}
"""Name -> overrides of :data:`qgan_helpers.training.PATCH_DEFAULTS`. Combinations are added with
``--combine A+B`` on the command line."""


BASE: dict[str, Any] = {
    "n_qubits": 5, "n_ancillas": 1, "n_generators": 4, "depth": 8,
    "reupload": False, "upload_every": 1, "noise_per_upload": False, "input_scaling": False,
    "hidden": (64, 16), "steps": 1500,
}
"""The defaults the variants were defined against (``PATCH_DEFAULTS`` before the 8-row change):
every variant is ``BASE`` plus its overrides, so ``baseline`` keeps meaning 4 bands of 16 pixels,
depth 8, one noise encoding, the 64-16 discriminator and 1500 steps, whatever today's defaults
are. The rest of the recipe (learning rates, batch, stabilisers) is
:data:`~qgan_helpers.training.PATCH_DEFAULTS`. Today's defaults are the combination
``--variants "8 rows, 5 qubits 2 ancillas+depth 12+noise blocks every 6+wide D+3000 steps"``."""


def _overrides(name: str) -> dict[str, Any]:
    merged: dict[str, Any] = dict(BASE)
    for part in name.split("+"):
        if part not in VARIANTS:
            raise SystemExit(f"--variants: unknown variant {part!r}; expected names of {sorted(VARIANTS)}")
        merged.update(VARIANTS[part])
    return merged


def run_one(name: str, seed: int, n_samples: int, digit: int) -> dict[str, Any]:
    """Train one variant with one seed and score its samples."""
    import torch

    torch.set_num_threads(1)
    from qgan_helpers.metrics import count_parameters
    from qgan_helpers.metrics.suite import evaluate_images
    from qgan_helpers.training import generate, train_patch_qgan

    overrides = _overrides(name)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    ckpt = train_patch_qgan(digit, seed=seed, progress=False, **overrides)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    samples = generate(ckpt.generator, n_samples, seed=1000 + seed)
    scores = evaluate_images(samples, digit, name=name, params=count_parameters(ckpt.generator), seed=seed)
    dark = float((samples < 0.05).float().mean())
    return {
        "variant": name, "seed": seed, "overrides": overrides, "scores": scores.as_dict(),
        "dark_pixel_fraction": dark, "train_cpu_s": round(cpu, 1), "train_wall_s": round(wall, 1),
        "steps": ckpt.history.steps,
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median (and min, max) over seeds of every number of the suite."""
    keys = ["two_sample", "frechet", "precision", "recall", "density", "coverage", "mmd2", "digit_accuracy",
            "nearer_train"]
    out: dict[str, Any] = {"seeds": [r["seed"] for r in runs], "params": runs[0]["scores"]["params"]}
    for k in keys:
        values = [r["scores"][k] for r in runs]
        out[k] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    out["copying"] = [r["scores"]["copying"] for r in runs]
    out["dark_pixel_fraction"] = statistics.median(r["dark_pixel_fraction"] for r in runs)
    out["train_cpu_s"] = statistics.median(r["train_cpu_s"] for r in runs)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="*", default=None, help="names (A+B combines); default: all")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--digit", type=int, default=0)
    parser.add_argument("--samples", type=int, default=445, help="generated images scored (5 draws of 89)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for name, o in VARIANTS.items():
            print(f"{name:24s} {o}")
        return 0
    names = args.variants or list(VARIANTS)
    for name in names:
        _overrides(name)
    jobs = [(n, s) for n in names for s in args.seeds]
    results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_one, n, s, args.samples, args.digit): (n, s) for n, s in jobs}
        for fut, (n, s) in futures.items():
            r = fut.result()
            results[n].append(r)
            sc = r["scores"]
            print(f"{n:28s} seed {s}: two-sample {sc['two_sample']:.3f} FD {sc['frechet']:6.1f} "
                  f"cov {sc['coverage']:.2f} rec {sc['recall']:.2f} prec {sc['precision']:.2f} "
                  f"dark {r['dark_pixel_fraction']:.2f} cpu {r['train_cpu_s']:.0f}s", flush=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"variants": {}, "runs": []}
    key = f"digit{args.digit}"
    block = data["variants"].setdefault(key, {})
    for n in names:
        runs = sorted(results[n], key=lambda r: r["seed"])
        block[n] = {"runs": runs, "summary": summarise(runs)}
    from qgan_helpers.provenance import package_versions

    data["runs"].append({"command": "python benchmarks/bench_patch_ablation.py " + " ".join(sys.argv[1:] if argv is None else argv),
                         "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "packages": package_versions()})
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
