"""Speed of the patch quantum generator: one call for everything vs. one circuit at a time.

Measures forward + backward of :class:`qgan_helpers.models.patch.PatchQuantumGenerator` at batch 32
with the course's default circuit (5 qubits, 1 ancilla, depth 6, 4 sub-generators: 128 circuits per
batch), side by side in ONE run, interleaved round by round so that a busy machine slows every
method alike:

(a)  ``lean``          the default forward: the PennyLane tape recorded once and replayed on the whole
                       ``(G*B, 2**n)`` batch (one batched call for all 128 circuits);
(a') ``broadcast``     one broadcast QNode call (``default.qubit``, backprop) for all 128 circuits;
(b)  ``per_generator`` one broadcast QNode call per sub-generator (4 calls of 32);
(c)  ``loop``          one QNode call per sample and sub-generator (128 calls), same circuits, same device;
(d)  ``lightning_ps``  per sample on ``lightning.qubit`` with ``diff_method="parameter-shift"`` at batch 1
                       (the PennyLane "Quantum GANs" demo's configuration), reported per sample.

Each method: a warm-up call, then the median of ``--repeats`` rounds. Afterwards cProfile splits the
time of (a) and (a') into parts (PennyLane tape/transform overhead, simulator, torch numerics,
backward, post-processing). Results go to ``qgan_helpers/results/generator_speed.json``.

Usage::

    .venv/bin/python benchmarks/bench_generator_speed.py            # about 2-5 minutes on 2 busy cores
    .venv/bin/python benchmarks/bench_generator_speed.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

import pennylane as qml
import torch

from qgan_helpers.models import PatchQuantumGenerator
from qgan_helpers.resources import results_dir

ROOT = Path(__file__).resolve().parent
RESULTS = results_dir() / "generator_speed.json"

LABELS = {
    "lean": "(a)  one call, lean tape replay (default)",
    "broadcast": "(a') one broadcast QNode call",
    "per_generator": "(b)  one QNode call per sub-generator",
    "loop": "(c)  one QNode call per sample",
    "lightning_ps": "(d)  lightning.qubit + parameter-shift, batch 1",
}


def step(gen: PatchQuantumGenerator, noise: torch.Tensor, method: str) -> torch.Tensor:
    """One forward + backward with a fixed generic loss; returns the output."""
    gen.zero_grad(set_to_none=True)
    out = gen(noise, method=method)
    loss_weights = torch.linspace(-1.0, 1.0, out.numel(), dtype=out.dtype).reshape(out.shape)
    (out * loss_weights).sum().backward()
    return out.detach()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def forward_backward_split(gen: PatchQuantumGenerator, noise: torch.Tensor, method: str, n: int) -> dict[str, float]:
    """Median wall-clock ms of the forward pass and of the backward pass (no profiler attached)."""
    fwd, bwd = [], []
    for _ in range(n):
        gen.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        out = gen(noise, method=method)
        loss = (out * torch.linspace(-1.0, 1.0, out.numel(), dtype=out.dtype).reshape(out.shape)).sum()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    return {"forward_ms": 1e3 * statistics.median(fwd), "backward_ms": 1e3 * statistics.median(bwd)}


def execution_count(gen: PatchQuantumGenerator, noise: torch.Tensor, method: str) -> dict[str, int]:
    """Device executions of one forward + backward, counted with ``qml.Tracker``."""
    with qml.Tracker(gen.qnode().device) as tracker:
        step(gen, noise, method)
    totals = tracker.totals
    return {"executions": int(totals.get("executions", 0)), "device_calls": int(totals.get("batches", 0))}


# ----------------------------------------------------------------------------------------------
# profile of the one-call paths
# ----------------------------------------------------------------------------------------------
def _cum(stats: pstats.Stats, file_part: str, func: str) -> float:
    """Cumulative seconds of the functions named ``func`` in files containing ``file_part``."""
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == func and file_part in filename:
            total += ct
    return total


def _tot(stats: pstats.Stats, func: str) -> float:
    total = 0.0
    for (_filename, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if func in name:
            total += tt
    return total


def profile(gen: PatchQuantumGenerator, noise: torch.Tensor, method: str, n: int) -> dict[str, float]:
    """Split the time of ``n`` forward+backward passes of ``method`` into parts (ms per batch)."""
    step(gen, noise, method)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        step(gen, noise, method)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    backward = _tot(stats, "run_backward")
    postselection_file = "qgan_helpers/quantum/postselection.py"
    post = _cum(stats, postselection_file, "postselect") + _cum(stats, postselection_file, "to_pixels")
    if method == "lean":
        replay = _cum(stats, "qgan_helpers/models/replay.py", "probs")
        pennylane_matrices = _cum(stats, "pennylane", "compute_matrix")
        parts = {
            "PennyLane gate matrices (one compute_matrix call)": pennylane_matrices,
            "torch forward: gate-by-gate state replay": replay - pennylane_matrices,
            "torch backward (autograd)": backward,
            "post-selection and pixel mapping (incl. checks)": post,
        }
    else:
        call = _cum(stats, "pennylane/workflow/qnode.py", "__call__")
        construct = _cum(stats, "pennylane/workflow/qnode.py", "construct")
        simulate = _cum(stats, "pennylane/devices/qubit/simulate.py", "simulate")
        parts = {
            "PennyLane tape construction (running the quantum function)": construct,
            "PennyLane transforms, validation, interface (rest of the QNode call)": call - construct - simulate,
            "PennyLane simulator: gate-by-gate dispatch and torch numerics": simulate,
            "torch backward (autograd)": backward,
            "post-selection and pixel mapping (incl. checks)": post,
        }
    parts["other Python (generator glue, angle preparation, loss)"] = total - sum(parts.values())
    return {"total_ms": 1e3 * total / n, "parts_ms": {k: 1e3 * v / n for k, v in parts.items()}}


# ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7, help="rounds for the fast methods")
    parser.add_argument("--loop-repeats", type=int, default=3, help="rounds for the one-circuit-at-a-time loop")
    parser.add_argument("--lightning-samples", type=int, default=4, help="samples per round for (d)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for these tiny tensors)")
    parser.add_argument("--profile-runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2 loop rounds, 3 fast rounds, 2 lightning samples")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.loop_repeats, args.lightning_samples, args.profile_runs = 3, 2, 2, 10
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()

    torch.manual_seed(0)
    gen = PatchQuantumGenerator()  # 5 qubits, 1 ancilla, depth 6, 4 sub-generators, 64 pixels
    noise = gen.sample_noise(args.batch, torch.Generator().manual_seed(0))
    demo = PatchQuantumGenerator(device="lightning.qubit", diff_method="parameter-shift", method="loop")
    demo.load_state_dict(gen.state_dict())
    n_circuits = gen.n_generators * args.batch

    # correctness first: every path gives the same pixels
    ref = step(gen, noise, "loop")
    max_diff = {m: float((step(gen, noise, m) - ref).abs().max()) for m in ("lean", "broadcast", "per_generator")}
    max_diff["lightning_ps"] = float((step(demo, noise[:2], "loop") - ref[:2]).abs().max())

    fast = ["lean", "broadcast", "per_generator"]
    times: dict[str, list[float]] = {m: [] for m in [*fast, "loop", "lightning_ps"]}
    for m in fast:  # warm-up
        step(gen, noise, m)
    step(demo, noise[:1], "loop")
    rounds = max(args.repeats, args.loop_repeats)
    for r in range(rounds):
        for m in fast:
            if r < args.repeats:
                times[m].append(timed(lambda m=m: step(gen, noise, m)))
        if r < args.loop_repeats:
            times["loop"].append(timed(lambda: step(gen, noise, "loop")))
            per_sample = [
                timed(lambda i=i: step(demo, noise[i : i + 1], "loop")) for i in range(args.lightning_samples)
            ]
            times["lightning_ps"].append(statistics.median(per_sample))
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    results = {}
    for m, ts in times.items():
        med = statistics.median(ts)
        per_sample = med if m == "lightning_ps" else med / args.batch
        results[m] = {
            "label": LABELS[m],
            "ms_per_batch": None if m == "lightning_ps" else 1e3 * med,
            "ms_per_sample": 1e3 * per_sample,
            "repeats_ms": [1e3 * t for t in ts],
        }
    loop_ms, demo_ms = results["loop"]["ms_per_sample"], results["lightning_ps"]["ms_per_sample"]
    for r in results.values():
        r["speedup_vs_loop"] = loop_ms / r["ms_per_sample"]
        r["speedup_vs_lightning_ps"] = demo_ms / r["ms_per_sample"]

    executions = {}
    for m in ("broadcast", "per_generator", "loop"):
        executions[m] = execution_count(gen, noise, m)
    executions["lightning_ps"] = execution_count(demo, noise[:1], "loop")
    executions["lean"] = {"executions": 0, "device_calls": 0, "note": "no device call: the recorded tape is replayed"}

    prof = {m: profile(gen, noise, m, args.profile_runs) for m in ("lean", "broadcast")}
    for m in ("lean", "broadcast"):
        prof[m]["wall_clock_split"] = forward_backward_split(gen, noise, m, args.profile_runs)
    load_after = os.getloadavg()

    # ------------------------------------------------------------------------------------------
    print()
    print(f"Patch generator forward+backward, batch {args.batch} ({n_circuits} circuits: 5 qubits, 1 ancilla, "
          f"depth 6, 4 sub-generators), torch threads = {args.threads}")
    print(f"load average before / after: {load_before[0]:.1f} / {load_after[0]:.1f} on {os.cpu_count()} CPUs "
          "(other jobs were running: compare ratios, not absolute times)")
    header = f"{'method':52s} {'ms/batch':>10s} {'ms/sample':>10s} {'vs (c)':>8s} {'vs (d)':>8s}"
    print(header)
    print("-" * len(header))
    for r in results.values():
        per_batch = "-" if r["ms_per_batch"] is None else f"{r['ms_per_batch']:.1f}"
        print(f"{r['label']:52s} {per_batch:>10s} {r['ms_per_sample']:>10.2f} "
              f"{r['speedup_vs_loop']:>7.1f}x {r['speedup_vs_lightning_ps']:>7.1f}x")
    target = results["lean"]["speedup_vs_loop"]
    print(f"\ntarget (a) >= 100x faster than (c): {target:.0f}x -> {'met' if target >= 100 else 'NOT met'}"
          f"  (one broadcast QNode call alone: {results['broadcast']['speedup_vs_loop']:.0f}x)")
    print("max |difference| to the loop's pixels: " + ", ".join(f"{m} {v:.1e}" for m, v in max_diff.items()))
    print("device executions per forward+backward: " + ", ".join(
        f"{m} {e['executions']}" for m, e in executions.items() if m != "lean"))
    for m in ("lean", "broadcast"):
        p = prof[m]
        print(f"\nwhere the time of {LABELS[m].strip()} goes (cProfile, {p['total_ms']:.1f} ms per batch "
              "with profiler overhead):")
        for k, v in p["parts_ms"].items():
            print(f"  {100 * v / p['total_ms']:5.1f} %  {v:7.1f} ms  {k}")
        w = p["wall_clock_split"]
        print(f"  without the profiler: forward {w['forward_ms']:.1f} ms, backward {w['backward_ms']:.1f} ms (medians)")

    payload = {
        "benchmark": "patch generator forward+backward speed",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "config": {"batch": args.batch, "n_qubits": 5, "n_ancillas": 1, "depth": 6, "n_generators": 4,
                   "n_pixels": 64, "circuits_per_batch": n_circuits, "repeats": args.repeats,
                   "loop_repeats": args.loop_repeats, "lightning_samples_per_round": args.lightning_samples,
                   "torch_threads": args.threads, "statistic": "median over interleaved rounds after a warm-up"},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after,
                    "python": platform.python_version(), "torch": torch.__version__,
                    "pennylane": qml.__version__, "note": "shared machine, other jobs running"},
        "results": results,
        "target_lean_vs_loop_at_least_100x": target >= 100,
        "max_abs_difference_to_loop": max_diff,
        "device_executions_per_step": executions,
        "profile": prof,
        "command": "python benchmarks/bench_generator_speed.py" + (" --quick" if args.quick else ""),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
