"""The classical budget curve: MLP GANs from about 80 to about 10,000 parameters, scored like the QGAN.

Every point is ``train_patch_qgan(digit, classical=True, classical_budget=B, seed=S)`` -- the patch
QGAN's own recipe (same steps, batch, learning rates, discriminator, stabilisers, the 89 training
zeros) with the generator swapped for the largest :class:`~qgan_helpers.models.classical.ClassicalGenerator`
of at most ``B`` parameters. It also trains the *classical patch generator*
(:class:`~qgan_helpers.models.classical.ClassicalPatchGenerator`: the quantum generator's patches and
output map with a small MLP in place of the circuits, at the quantum generator's parameter count),
which separates what the patch structure does from what the circuit does. Samples are scored by
:func:`qgan_helpers.metrics.suite.evaluate_generator` against the held-out zeros.

Results go to ``qgan_helpers/results/budget_curve.json``.

Usage::

    .venv/bin/python benchmarks/bench_budget_curve.py                       # budgets x seeds 0 1 2
    .venv/bin/python benchmarks/bench_budget_curve.py --budgets 160 1000 --seeds 0
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

RESULTS = results_dir() / "budget_curve.json"
BUDGETS = (80, 160, 300, 480, 1000, 2000, 4800, 10000)
KEYS = ("two_sample", "frechet", "precision", "recall", "density", "coverage", "mmd2", "digit_accuracy", "nearer_train")


def run_one(kind: str, budget: int | None, seed: int, digit: int) -> dict[str, Any]:
    """Train one classical generator (``kind`` "mlp" or "patch") and score it."""
    import torch

    torch.set_num_threads(1)
    from qgan_helpers.metrics.suite import evaluate_generator
    from qgan_helpers.training import train_patch_qgan

    cpu0 = time.process_time()
    ckpt = train_patch_qgan(digit, seed=seed, classical=True, progress=False, classical_kind=kind,
                            classical_budget=budget)
    cpu = time.process_time() - cpu0
    scores = evaluate_generator(ckpt.generator, digit, seed=1000 + seed)
    return {"kind": kind, "budget": budget, "seed": seed, "generator": ckpt.config["generator"],
            "scores": scores.as_dict(), "train_cpu_s": round(cpu, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", nargs="*", type=int, default=list(BUDGETS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--digit", type=int, default=0)
    parser.add_argument("--no-patch", action="store_true", help="skip the classical patch generator")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    jobs = [("mlp", b, s) for b in args.budgets for s in args.seeds]
    if not args.no_patch:
        jobs += [("patch", None, s) for s in args.seeds]
    runs = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, k, b, s, args.digit) for k, b, s in jobs]
        for fut in futures:
            r = fut.result()
            runs.append(r)
            sc = r["scores"]
            print(f"{r['kind']:5s} budget {str(r['budget']):>6s} ({sc['params']:5d} params) seed {r['seed']}: "
                  f"two-sample {sc['two_sample']:.3f} FD {sc['frechet']:6.1f} cov {sc['coverage']:.2f} "
                  f"cpu {r['train_cpu_s']:.0f}s", flush=True)
    summary: dict[str, Any] = {}
    for kind, budget in sorted({(r["kind"], r["budget"]) for r in runs}, key=lambda kb: (kb[0], kb[1] or 0)):
        group = [r for r in runs if r["kind"] == kind and r["budget"] == budget]
        name = f"{kind} {budget}" if budget is not None else f"{kind} (quantum's budget)"
        summary[name] = {"params": group[0]["scores"]["params"], "seeds": [r["seed"] for r in group]}
        for k in KEYS:
            values = [r["scores"][k] for r in group]
            summary[name][k] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
        summary[name]["train_cpu_s"] = statistics.median(r["train_cpu_s"] for r in group)
    from qgan_helpers.training import PATCH_DEFAULTS, package_versions

    payload = {
        "digit": args.digit,
        "summary": summary,
        "runs": runs,
        "recipe": {k: v for k, v in PATCH_DEFAULTS.items()},
        "command": "python benchmarks/bench_budget_curve.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "packages": package_versions(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
