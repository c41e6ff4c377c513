"""Readout mitigation and zero-noise extrapolation on FakeManilaV2: set-level MMD² beside per-circuit errors.

The hardware chapter scores the trained patch generator (``qgan_helpers/checkpoints/patch_digit0_seed0.pt``: 8
sub-generators of 5 qubits with 2 ancillas, depth 12, noise re-uploaded in 2 blocks, 480 parameters)
on a noisy simulator of IBM's FakeManilaV2 with MMD² (sigma = 2) between 89 generated images and the
89 held-out real zeros (``load_digits_tensors(0, split="heldout")``; the generator trained on the other
half), for one seed. This benchmark repeats that comparison for several seeds (a seed fixes the 89
noise vectors, the device's shots and the transpiler) and puts beside the set-level score the
per-circuit errors of :mod:`qgan_helpers.hardware.per_circuit`:

* the total variation distance (TV) of every circuit's measured distribution (8 sub-generators x
  89 noise vectors = 712 circuits) to its exact distribution, and the mean absolute pixel
  difference of every image to the ideal image for the same noise vector;
* the shot floor: the same measures for the ideal simulator sampled with the same shots
  (``shots``), and for ideal samples extrapolated like ZNE (``shots+zne``, the floor of the ZNE
  settings: extrapolation amplifies shot noise);
* MMD² with the chapter's width (sigma = 2) and with the median heuristic (sigma = median
  pairwise Euclidean distance between the held-out zeros), and the share of the noisy-ideal MMD² gap
  each setting recovers; the share of the noisy-to-shot-floor TV gap it closes.

A second part (``exact_probabilities``) runs the same with ``shots=None`` (exact noisy
probabilities, exact readout calibration): what is left there is the bias of the mitigation itself,
not shot noise. A third (``exact_probabilities_scales_1_3_5``) repeats it with a quadratic
(Richardson) extrapolation through the fold factors 1, 3 and 5: how far the noise is from linear
in the fold factor. Mitigated quasi-probabilities are clipped at 0 and renormalised per circuit
(``clipped_mean``: the mass removed by the last projection).

Results go to ``qgan_helpers/results/hardware_mitigation.json``. CPU time (``time.process_time``,
one torch thread, Aer with one thread) is reported beside the wall time, because the machine
may be shared.

Usage::

    .venv/bin/python benchmarks/bench_hardware_mitigation.py                 # 5 seeds
    .venv/bin/python benchmarks/bench_hardware_mitigation.py --seeds 0 1 2 3 4 5 6 7 8 9
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from qgan_helpers.data import load_digits_tensors
from qgan_helpers.hardware.evaluate import ZNE_SCALES, make_runner
from qgan_helpers.hardware.per_circuit import SETTINGS, aggregate_seeds, median_pairwise_distance, mitigation_errors
from qgan_helpers.resources import results_dir
from qgan_helpers.training import CHECKPOINTS_DIR, load_checkpoint, package_versions

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
RESULTS = results_dir() / "hardware_mitigation.json"
CHECKPOINT = CHECKPOINTS_DIR / "patch_digit0_seed0.pt"
SIGMA_CHAPTER = 2.0

warnings.filterwarnings("ignore", category=DeprecationWarning, module="stevedore")
warnings.filterwarnings("ignore", message=".*IBMFractionalTranslationPlugin.*")


def _versions() -> dict[str, str]:
    out = package_versions()
    for name in ("qiskit", "qiskit-aer", "qiskit-ibm-runtime", "pennylane-qiskit"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _round(tree: Any, n: int = 6) -> Any:
    if isinstance(tree, dict):
        return {k: _round(v, n) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_round(v, n) for v in tree]
    if isinstance(tree, float):
        return round(tree, n)
    return tree


def run_part(gen: Any, zeros: Any, device: str, n: int, shots: int | None, seeds: list[int],
             sigmas: dict[str, float], scales: tuple[int, ...] = ZNE_SCALES) -> dict[str, Any]:
    """All settings for every seed: per-seed rows, their aggregation over seeds, CPU and wall time."""
    per_seed: dict[int, dict[str, dict[str, float]]] = {}
    cpu, wall, executions = {}, {}, {}
    for seed in seeds:
        c0, w0 = time.process_time(), time.perf_counter()
        before = make_runner(device, shots, seed).executions
        per_seed[seed] = mitigation_errors(gen, zeros, device, n=n, shots=shots, seed=seed, sigmas=sigmas,
                                           scales=scales)
        executions[seed] = make_runner(device, shots, seed).executions - before
        cpu[seed], wall[seed] = time.process_time() - c0, time.perf_counter() - w0
        row = per_seed[seed]
        print(f"shots={shots} scales={scales} seed {seed}: " + ", ".join(
            f"{s} MMD² {row[s]['mmd2_sigma2']:.4f} TV {row[s]['tv_mean']:.3f}" for s in SETTINGS)
            + f" ({cpu[seed]:.1f} CPU s)", flush=True)
    summary = aggregate_seeds(per_seed)
    table = {
        s: {m: {"median": summary[s][m]["median"], "min": summary[s][m]["min"], "max": summary[s][m]["max"]}
            for m in ("mmd2_sigma2", "mmd2_median", "mmd2_recovered_sigma2", "mmd2_recovered_median",
                      "tv_mean", "tv_gap_closed", "pixel_mean", "clipped_mean")}
        for s in SETTINGS
    }
    return {
        "shots": shots,
        "zne_scales": list(scales),
        "per_seed": {str(k): v for k, v in per_seed.items()},
        "summary": summary,
        "table_median_min_max": table,
        "device_executions_per_seed": {str(k): v for k, v in executions.items()},
        "cpu_seconds_per_seed": {str(k): v for k, v in cpu.items()},
        "wall_seconds_per_seed": {str(k): v for k, v in wall.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds (default 0..4)")
    parser.add_argument("--n", type=int, default=89, help="noise vectors (images) per seed, as the chapter (89, the held-out zeros)")
    parser.add_argument("--shots", type=int, default=1000, help="shots per circuit, as the chapter (1000)")
    parser.add_argument("--device", default="FakeManilaV2")
    parser.add_argument("--skip-exact", action="store_true", help="skip the shots=None parts")
    args = parser.parse_args()
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        parser.error("--seeds: expected distinct non-negative integers")

    torch.set_num_threads(1)
    c_start, w_start = time.process_time(), time.perf_counter()
    ck = load_checkpoint(CHECKPOINT)
    gen = ck.generator
    zeros = load_digits_tensors(int(ck.config["digit"]), split="heldout")[0]  # never seen in training
    sigma_median = median_pairwise_distance(zeros)
    sigmas = {"sigma2": SIGMA_CHAPTER, "median": sigma_median}

    parts = {"shots": run_part(gen, zeros, args.device, args.n, args.shots, args.seeds, sigmas)}
    if not args.skip_exact:
        parts["exact_probabilities"] = run_part(gen, zeros, args.device, args.n, None, args.seeds, sigmas)
        # is the noise linear in the fold factor? a quadratic (Richardson) fit through 1, 3, 5
        parts["exact_probabilities_scales_1_3_5"] = run_part(gen, zeros, args.device, args.n, None, args.seeds,
                                                              sigmas, scales=(1, 3, 5))

    runner = make_runner(args.device, args.shots, args.seeds[0])
    physical = runner.transpiled(gen, 1)[2]
    errors = runner.noise_model.to_dict().get("errors", [])
    readout = [e for e in errors if e.get("type") == "roerror"]
    noise_model = {
        "error_types": sorted({e.get("type") for e in errors}),
        "readout_error_entries": len(readout),
        "readout_error_qubits": [[list(q) for q in e.get("gate_qubits", [])] for e in readout],
        "readout_errors_all_single_qubit": all(len(q) == 1 for e in readout for q in e.get("gate_qubits", [])),
        "gate_error_arities": sorted({len(q) for e in errors if e.get("type") == "qerror" for q in e.get("gate_qubits", [])}),
        "note": "Aer's model of a fake backend: an independent readout confusion per qubit (no correlated readout), "
                "and gate errors attached to each gate (depolarizing + thermal relaxation; no coherent errors, "
                "crosstalk or drift), so folding scales the noise with the gate count",
    }
    result = {
        "benchmark": "readout mitigation and ZNE on a fake IBM backend: set-level MMD² vs per-circuit errors",
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python benchmarks/bench_hardware_mitigation.py " + " ".join(sys.argv[1:]),
        "settings": {
            "checkpoint": str(CHECKPOINT.relative_to(REPO)) if CHECKPOINT.is_relative_to(REPO) else str(CHECKPOINT),
            "device": args.device,
            "n_images": args.n,
            "n_circuits": gen.n_generators * args.n,
            "shots": args.shots,
            "seeds": args.seeds,
            "seed_meaning": "noise vectors (sample_noise with torch.Generator().manual_seed(seed), as generate / "
                            "sample_on_device), the Aer simulator's sampling and the transpiler, the ideal simulator's shots",
            "zne_scales": list(ZNE_SCALES),
            "optimization_level": runner.optimization_level,
            "noise_model": noise_model,
            "physical_qubits_of_wires_reversed": physical,
            "real_images": f"the {len(zeros)} held-out zeros (load_digits_tensors(0, split='heldout'); "
                           "the generator trained on the other half)",
            "generator": {"n_generators": gen.n_generators, "n_qubits": gen.n_qubits, "n_ancillas": gen.n_ancillas,
                          "depth": gen.depth, "n_uploads": gen.n_uploads, "latent_dim": gen.latent_dim,
                          "parameters": sum(p.numel() for p in gen.parameters())},
            "sigma_chapter": SIGMA_CHAPTER,
            "sigma_median_heuristic": sigma_median,
            "sigma_median_heuristic_definition": "median Euclidean distance over all pairs of different real images",
            "settings": list(SETTINGS),
            "projection": "mitigated quasi-probabilities are clipped at 0 and renormalised per circuit "
                          "(qgan_helpers.hardware.mitigation.to_distribution), after the readout inversion at each "
                          "scale and again after the extrapolation; clipped_mean is the mass removed by the last step",
            "metrics": {
                "mmd2_<w>": "biased MMD² (qgan_helpers.metrics.mmd2) of the n images vs the held-out zeros, width w",
                "mmd2_recovered_<w>": "(MMD²_noisy - MMD²_setting) / (MMD²_noisy - MMD²_exact), same seed",
                "tv_mean/std/median/max": "total variation distance to the exact distribution over the n_circuits circuits",
                "tv_gap_closed": "(TV_noisy - TV_setting) / (TV_noisy - TV_shots), same seed",
                "pixel_mean/std/median/max": "mean |pixel - ideal pixel| per image, over the n images",
                "clipped_mean": "mean probability mass per circuit removed by the last clip-and-renormalise",
            },
        },
        **parts,
        "cpu_seconds_total": time.process_time() - c_start,
        "wall_seconds_total": time.perf_counter() - w_start,
        "machine": {"platform": platform.platform(terse=True), "cpus": os.cpu_count(), "torch_threads": 1,
                    "note": "a machine shared with other jobs: wall time inflated, CPU time is the quiet-machine estimate"},
        "packages": _versions(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(_round(result), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS} ({result['cpu_seconds_total']:.0f} CPU s, {result['wall_seconds_total']:.0f} s wall)")
    for name, part in parts.items():
        print(f"\n{name}: median over seeds [min, max]")
        for s, row in part["table_median_min_max"].items():
            print(f"  {s:12s} " + "  ".join(f"{m} {v['median']:.4f} [{v['min']:.4f}, {v['max']:.4f}]"
                                             for m, v in row.items() if m in ("mmd2_sigma2", "mmd2_recovered_sigma2",
                                                                              "tv_mean", "pixel_mean")))


if __name__ == "__main__":
    main()
