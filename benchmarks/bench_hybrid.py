"""Speed of the hybrid generator's circuit: the torch state vector against PennyLane's broadcast QNode.

Measures forward + backward of :meth:`qgan_helpers.models.hybrid.HybridQuantumGenerator.expvals` (the
seed's 4-qubit circuit, 2 layers, batch 32) for each latent encoding, with ``method="torch"`` (the
default: a batched complex state vector in torch, PennyLane-checked gate matrices) and
``method="qnode"`` (one broadcast ``default.qubit`` QNode call with backprop), interleaved round by
round so that a busy machine slows both alike; and one whole training step of the fixed model
against the seed's CNN discriminator (R1 on). Medians of ``--repeats`` rounds, one torch thread.
Results go to ``qgan_helpers/results/hybrid_speed.json``.

Usage::

    .venv/bin/python benchmarks/bench_hybrid.py            # well under a minute
    .venv/bin/python benchmarks/bench_hybrid.py --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time

import torch

from qgan_helpers.models import HybridQuantumGenerator
from qgan_helpers.provenance import package_versions
from qgan_helpers.resources import results_dir

OUT = results_dir() / "hybrid_speed.json"


def _time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results: dict[str, dict[str, float]] = {}
    for encoding in ("angle", "amplitude", "none"):
        torch.manual_seed(0)
        gen = HybridQuantumGenerator(encoding=encoding)
        z = gen.sample_noise(args.batch)
        row = {}
        for method in ("torch", "qnode"):
            def step(method=method, gen=gen, z=z):
                gen.zero_grad()
                gen.expvals(z, method=method).sum().backward()

            row[f"{method}_ms"] = round(1e3 * _time(step, args.repeats), 2)
        row["speed_up"] = round(row["qnode_ms"] / row["torch_ms"], 1)
        results[encoding] = row
        print(encoding, row)

    from qgan_helpers.models.discriminators import CNNDiscriminator

    torch.manual_seed(0)
    gen = HybridQuantumGenerator()
    disc = CNNDiscriminator()
    real = torch.rand(args.batch, 784)

    def train_step():
        fake = gen(gen.sample_noise(args.batch))
        x = real.clone().requires_grad_(True)
        lr = disc(x)
        (g,) = torch.autograd.grad(lr.sum(), x, create_graph=True)
        loss_d = torch.nn.functional.softplus(-lr).mean() + torch.nn.functional.softplus(disc(fake.detach())).mean()
        (loss_d + 0.5 * g.pow(2).sum(1).mean()).backward()
        torch.nn.functional.softplus(-disc(fake)).mean().backward()

    step_ms = round(1e3 * _time(train_step, args.repeats), 1)
    print("one training step (fixed model, CNN with R1):", step_ms, "ms")
    payload = {
        "what": "forward + backward of HybridQuantumGenerator.expvals (4 qubits, 2 seed layers), median ms",
        "batch": args.batch,
        "repeats": args.repeats,
        "torch_threads": 1,
        "expvals": results,
        "training_step_ms": step_ms,
        "command": "python benchmarks/bench_hybrid.py" + (f" --repeats {args.repeats}" if args.repeats != 15 else ""),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": platform.platform(terse=True),
        "note": "the machine was shared with other jobs; compare the two methods within one run, not across runs",
        "packages": package_versions(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=2) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
