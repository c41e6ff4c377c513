"""The QCBM against classical models of at most its size on bars-and-stripes 3x3, over seeds.

The course's QCBM (:data:`qgan_helpers.born.runs.QCBM_DEFAULTS`: 9 qubits, 6 layers, 162 angles, MMD
loss with bandwidths 0.25/0.5/1, Adam with lr 0.1, 200 steps, 8 random starts, the start with the
lowest final MMD kept) is trained by :func:`qgan_helpers.born.runs.train_qcbm` -- the function behind
``python -m qgan_helpers train qcbm --seed S`` -- for each seed. The classical baselines of
:mod:`qgan_helpers.born.baselines`, each the largest of its kind with at most the QCBM's parameter count,

* ``nade`` -- autoregressive, shared hidden layer of 8 units, 153 parameters;
* ``rbm`` -- restricted Boltzmann machine, 15 hidden units, 159 parameters;
* ``mps`` -- classical Born machine (real matrix product state), bond dimensions 2-4, 162 parameters;
* ``fvsbn`` -- autoregressive with logistic conditionals, 45 parameters (a small reference),

are trained with the same protocol (Adam, same lr, same steps, 8 starts, best start by final
training loss) once with the QCBM's MMD loss (same kernel) and once by maximum likelihood (``nll``).
All models are scored by the exact KL(p_data || q) and valid rate chi, and by 20 000 samples.

Protocols:

* ``qcbm`` -- the QCBM's own settings (200 steps, lr 0.1) for every model;
* ``long`` -- the same with 1 000 steps, for the QCBM (``train qcbm --steps 1000``) and the baselines;
* ``lr_scan`` -- 200 steps at lr 0.01 / 0.03 / 0.1 / 0.3 for every model (fewer seeds): does the
  comparison hinge on a learning rate chosen for the QCBM?

Also recorded: the rank of the Jacobian d q / d theta of each model at a random point (how many
parameter directions actually move the distribution), the CPU and wall seconds of every training
(CPU time is the better estimate on a shared machine), and the package versions.

Results go to ``qgan_helpers/results/born_baseline.json``.

Usage::

    .venv/bin/python benchmarks/bench_born_baseline.py            # 5 seeds, all protocols, about 10 minutes
    .venv/bin/python benchmarks/bench_born_baseline.py --quick    # only the ``qcbm`` protocol, about 2 minutes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from qgan_helpers.born.bars_stripes import bas_distribution
from qgan_helpers.born.baselines import KINDS, LOSSES, effective_parameters, fit_baseline, make_baseline
from qgan_helpers.born.metrics import sample_metrics
from qgan_helpers.born.qcbm import QCBM, fit_qcbm
from qgan_helpers.born.runs import QCBM_DEFAULTS, train_qcbm
from qgan_helpers.provenance import package_versions
from qgan_helpers.resources import results_dir

RESULTS = results_dir() / "born_baseline.json"
LONG_STEPS = 1000
SCAN_LRS = (0.01, 0.03, 0.1, 0.3)


def course_qcbm(init_seed: int = 0) -> QCBM:
    d = QCBM_DEFAULTS
    return QCBM(d["rows"] * d["cols"], d["layers"], d["entanglers"], (d["rows"], d["cols"]), init_seed=init_seed)


def run_qcbm_cli(seed: int, steps: int) -> dict:
    """The QCBM of ``python -m qgan_helpers train qcbm --seed SEED [--steps STEPS]`` (into a temporary directory)."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        prov = train_qcbm(seed, Path(tmp) / f"qcbm_seed{seed}.pt", steps=None if steps == QCBM_DEFAULTS["steps"] else steps)
        total = time.perf_counter() - t0
    m = prov["final_metrics"]
    kl = [float(v) for v in prov["final_start_kl"]]
    return {
        "model": "qcbm", "loss": "mmd", "seed": seed, "steps": prov["steps"], "lr": QCBM_DEFAULTS["lr"],
        "n_params": prov["trainable_parameters"],
        "kl": round(m["kl"], 6), "chi": round(m["chi"], 6), "mmd": m["mmd"],
        "kl_20000": m["kl_20000"], "chi_20000": m["chi_20000"],
        "start_kl": [round(v, 5) for v in kl],
        "cpu_time_s": prov["cpu_time_s"], "wall_time_s": prov["wall_time_s"],
        "wall_time_with_saving_s": round(total, 2), "load_average_1min": round(load, 2),
    }


def run_qcbm_lr(seed: int, lr: float, steps: int) -> dict:
    """The course's QCBM at another learning rate (``fit_qcbm`` with QCBM_DEFAULTS otherwise)."""
    d = QCBM_DEFAULTS
    fit = fit_qcbm(bas_distribution(d["rows"], d["cols"]), layers=d["layers"], entanglers=d["entanglers"],
                   grid_shape=(d["rows"], d["cols"]), sigmas=d["sigmas"], steps=steps, lr=lr, n_starts=d["n_starts"],
                   seed=seed, eval_every=steps)
    return {"model": "qcbm", "loss": "mmd", "seed": seed, "steps": steps, "lr": lr, "n_params": fit.model.n_params,
            "kl": round(fit.metrics["kl"], 6), "chi": round(fit.metrics["chi"], 6),
            "cpu_time_s": round(fit.cpu_time, 2), "wall_time_s": round(fit.wall_time, 2)}


def run_baseline(kind: str, loss: str, seed: int, steps: int, lr: float, budget: int, samples: bool = True) -> dict:
    d = QCBM_DEFAULTS
    p = bas_distribution(d["rows"], d["cols"])
    load = os.getloadavg()[0]
    model = make_baseline(kind, d["rows"] * d["cols"], budget, n_starts=d["n_starts"], init_seed=seed)
    fit = fit_baseline(model, p, loss=loss, sigmas=d["sigmas"], steps=steps, lr=lr, eval_every=steps)
    row = {
        "model": kind, "loss": loss, "seed": seed, "steps": steps, "lr": lr, "n_params": model.n_params,
        "kl": round(fit.metrics["kl"], 6), "chi": round(fit.metrics["chi"], 6),
        "mmd": fit.metrics["mmd"], "nll": round(fit.metrics["nll"], 6),
    }
    if samples:
        m = sample_metrics(p, fit.model.sample(20000, seed=seed + 2))
        row.update({"kl_20000": round(m["kl"], 6), "chi_20000": round(m["chi"], 6)})
        row["start_kl"] = [round(float(v), 5) for v in fit.kl[-1]]
    row.update({"best_start": fit.best_start, "cpu_time_s": round(fit.cpu_time, 2), "wall_time_s": round(fit.wall_time, 2),
                "load_average_1min": round(load, 2)})
    return row


def summarize(rows: list[dict]) -> list[dict]:
    """Median, min and max of KL, chi and CPU seconds for each (model, loss, steps, lr)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["model"], r["loss"], r["steps"], r["lr"]), []).append(r)
    out = []
    for (model, loss, steps, lr), rs in groups.items():
        entry = {"model": model, "loss": loss, "steps": steps, "lr": lr, "n_params": rs[0]["n_params"], "seeds": len(rs)}
        for k in ("kl", "chi", "cpu_time_s"):
            v = [r[k] for r in rs]
            entry[k] = {"median": round(statistics.median(v), 6), "min": min(v), "max": max(v)}
        out.append(entry)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--scan-seeds", type=int, default=2, help="seeds of the learning-rate scan (default 2)")
    parser.add_argument("--quick", action="store_true", help="only the QCBM's protocol (no 1000-step runs, no lr scan)")
    args = parser.parse_args()
    d = QCBM_DEFAULTS
    seeds = list(range(args.seeds))
    budget = course_qcbm().n_params

    sizes = {"qcbm": {"n_params": budget, **effective_parameters(course_qcbm(0)), "config": course_qcbm(0).config()}}
    for kind in KINDS:
        m = make_baseline(kind, d["rows"] * d["cols"], budget, n_starts=1, init_seed=0)
        sizes[kind] = {"n_params": m.n_params, **effective_parameters(m), "class": type(m).__name__,
                       "config": {k: v for k, v in m.config().items() if k not in ("n_starts", "init_seed")}}
    print(json.dumps(sizes), flush=True)

    protocols = {"qcbm": (d["steps"], d["lr"])}
    if not args.quick:
        protocols["long"] = (LONG_STEPS, d["lr"])
    runs: dict[str, list[dict]] = {}
    for name, (steps, lr) in protocols.items():
        rows = []
        for seed in seeds:
            rows.append(run_qcbm_cli(seed, steps))
            print(json.dumps(rows[-1]), flush=True)
        for kind in KINDS:
            for loss in LOSSES:
                for seed in seeds:
                    rows.append(run_baseline(kind, loss, seed, steps, lr, budget))
                    print(json.dumps(rows[-1]), flush=True)
        runs[name] = rows
    if not args.quick:
        rows = []
        for lr in SCAN_LRS:
            for seed in range(args.scan_seeds):
                rows.append(run_qcbm_lr(seed, lr, d["steps"]))
                print(json.dumps(rows[-1]), flush=True)
                for kind in KINDS:
                    for loss in LOSSES:
                        rows.append(run_baseline(kind, loss, seed, d["steps"], lr, budget, samples=False))
                        print(json.dumps(rows[-1]), flush=True)
        runs["lr_scan"] = rows

    result = {
        "benchmark": "QCBM vs classical baselines of at most its parameter count on bars and stripes 3x3",
        "settings": {
            "data": f"bars and stripes {d['rows']}x{d['cols']} (14 patterns of 512 strings, uniform)",
            "qcbm": {**QCBM_DEFAULTS, "trained_by": "qgan_helpers.born.runs.train_qcbm (python -m qgan_helpers train qcbm)"},
            "baselines": {"kinds": list(KINDS), "losses": list(LOSSES), "n_starts": d["n_starts"], "sigmas": d["sigmas"],
                          "optimizer": "Adam", "selection": "start with the lowest final training loss",
                          "trained_by": "qgan_helpers.born.baselines.fit_baseline"},
            "protocols": {"qcbm": {"steps": d["steps"], "lr": d["lr"]}, "long": {"steps": LONG_STEPS, "lr": d["lr"]},
                          "lr_scan": {"steps": d["steps"], "lrs": list(SCAN_LRS), "seeds": args.scan_seeds}},
            "seeds": seeds,
            "metrics": "kl = KL(p_data || q) in nats and chi = q mass on the 14 valid patterns, both exact; "
                       "kl_20000 / chi_20000 from 20 000 samples of the kept start",
            "torch_threads": 1,
        },
        "parameters": sizes,
        "summary": {name: summarize(rows) for name, rows in runs.items()},
        "runs": runs,
        "machine": {"platform": platform.platform(terse=True), "cpus": os.cpu_count(),
                    "note": "a machine shared with other jobs: wall time inflated, CPU time is the quiet-machine estimate"},
        "packages": package_versions(),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python benchmarks/bench_born_baseline.py" + (f" --seeds {args.seeds}" if args.seeds != 5 else "")
        + (f" --scan-seeds {args.scan_seeds}" if args.scan_seeds != 2 else "") + (" --quick" if args.quick else ""),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    for name, entries in result["summary"].items():
        print(f"-- {name}")
        for e in entries:
            print(f"{e['model']:6s} {e['loss']:4s} steps={e['steps']:5d} lr={e['lr']:<5} params={e['n_params']:3d}  "
                  f"KL median {e['kl']['median']:.4f} [{e['kl']['min']:.4f}, {e['kl']['max']:.4f}]  "
                  f"chi median {e['chi']['median']:.4f} [{e['chi']['min']:.4f}, {e['chi']['max']:.4f}]  "
                  f"CPU {e['cpu_time_s']['median']:.2f} s")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
