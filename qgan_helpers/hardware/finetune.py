"""Noise-aware fine-tuning: a few SPSA steps on MMD² measured on the noisy device itself.

A generator trained on the ideal simulator meets a different circuit on a device: every gate is
followed by a little decoherence and every readout may flip. Fine-tuning *on the noisy device*
lets the angles adapt to that channel. On hardware only function values are available (no
backpropagation), so :func:`spsa_finetune` uses :class:`pennylane.SPSAOptimizer`: each step
measures the loss twice, at ``theta + c_k Delta`` and ``theta - c_k Delta`` for a random ±1
vector ``Delta``, and moves all angles along ``Delta`` at once.

The loss is MMD² (σ = 2) between images generated on the device (fresh noise vectors each step)
and the real images. The shipped checkpoint ``qgan_helpers/checkpoints/hardware_finetune_manila_seed0.pt`` was
made by::

    python -m qgan_helpers.hardware.finetune --device FakeManilaV2 --steps 30 --seed 0 \\
        --out checkpoints/hardware_finetune_manila_seed0.pt

Examples
--------
>>> from qgan_helpers.hardware.noise import DepolarizingNoise
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
>>> real = torch.rand(10, 8)
>>> tuned, hist = spsa_finetune(gen, DepolarizingNoise(0.01), real, steps=2, n=4, shots=None)
>>> len(hist["loss"]), hist["executions"]
(2, 32)
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.hardware.evaluate import device_probs, images_from_probs, make_runner
from qgan_helpers.hardware.qiskit_bridge import _check_generator

__all__ = ["spsa_finetune", "FINETUNE_DEFAULTS"]

FINETUNE_DEFAULTS: dict[str, Any] = {"steps": 30, "n": 32, "shots": 1000, "a": 0.1, "c": 0.1}
"""Settings of the shipped fine-tuning run (SPSA gain ``a``, perturbation ``c``, images per loss ``n``)."""


def spsa_finetune(generator: Any, device: Any, real: Any, *, steps: int = 40, n: int = 16, shots: int | None = 1000,
                  seed: int = 0, a: float = 0.5, c: float = 0.1, sigma: float = 2.0) -> tuple[Any, dict[str, Any]]:
    """Fine-tune a copy of ``generator`` with SPSA on MMD² measured on ``device``.

    Parameters
    ----------
    generator : PatchQuantumGenerator
        Not modified.
    device : DepolarizingNoise, fake backend name or AerRunner
    real : array, shape (N, H, W) or (N, n_pixels)
    steps : int
        SPSA steps (two loss evaluations each).
    n : int
        Images per loss evaluation (``n * n_generators`` circuits).
    shots : int or None
    seed : int
        Seeds the SPSA directions and the noise vectors (step ``k`` uses noise seed ``seed * 100003 + k``).
    a, c : float
        SPSA gain and perturbation size (see :class:`pennylane.SPSAOptimizer`).
    sigma : float
        MMD² kernel width.

    Returns
    -------
    (PatchQuantumGenerator, dict)
        The tuned copy and a history: ``loss`` (mean of the two evaluations per step),
        ``executions`` (circuits run), ``seconds``.
    """
    from qgan_helpers.metrics import mmd2

    gen = copy.deepcopy(_check_generator(generator))
    steps, n = validation.positive_int("steps", steps), validation.positive_int("n", n)
    if isinstance(device, str) and device == "ideal":
        raise ValueError("device: expected a noisy device (DepolarizingNoise, fake backend name or AerRunner), got 'ideal'")
    runner = make_runner(device, shots, seed)
    real_t = torch.as_tensor(np.asarray(real), dtype=torch.float64).reshape(len(real), -1)
    if real_t.shape[1] != gen.n_pixels:
        raise ValueError(f"real: expected images with {gen.n_pixels} pixels each, got shape {tuple(np.shape(real))}")
    shape = tuple(gen.weights.shape)
    state = {"k": 0, "losses": []}
    rng_noise = torch.Generator().manual_seed(seed)
    noise_seeds = torch.randint(0, 2**31 - 1, (steps,), generator=rng_noise).tolist()
    executions0, t0 = runner.executions, time.perf_counter()

    def loss(flat: np.ndarray) -> np.float64:
        with torch.no_grad():
            gen.weights.copy_(torch.as_tensor(np.asarray(flat).reshape(shape), dtype=gen.weights.dtype))
        z = gen.sample_noise(n, torch.Generator().manual_seed(int(noise_seeds[min(state["k"], steps - 1)])))
        images = images_from_probs(gen, device_probs(gen, z, runner, seed=seed))
        value = float(mmd2(images.double(), real_t, sigma))
        state["losses"].append(value)
        return np.float64(value)  # SPSAOptimizer expects a NumPy value

    np.random.seed(seed)  # SPSAOptimizer draws its directions from NumPy's global generator
    opt = qml.SPSAOptimizer(maxiter=steps, a=a, c=c)
    # SPSAOptimizer only moves arguments marked trainable (PennyLane NumPy arrays with requires_grad)
    theta = qml.numpy.array(gen.weights.detach().double().numpy().ravel(), requires_grad=True)
    history: dict[str, Any] = {"loss": [], "step": []}
    for k in range(steps):
        state["k"] = k
        theta = opt.step(loss, theta)
        history["step"].append(k + 1)
        history["loss"].append(float(np.mean(state["losses"][-2:])))
    with torch.no_grad():
        gen.weights.copy_(torch.as_tensor(np.asarray(theta).reshape(shape), dtype=gen.weights.dtype))
    history["executions"] = runner.executions - executions0
    history["seconds"] = time.perf_counter() - t0
    return gen, history


def main(argv: list[str] | None = None) -> None:
    """Command line: fine-tune the shipped digit-0 patch generator on a fake backend and save a checkpoint."""
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.hardware.evaluate import mmd2_on_device
    from qgan_helpers.training import CHECKPOINTS_DIR, History, load_checkpoint, save_checkpoint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="FakeManilaV2")
    parser.add_argument("--steps", type=int, default=FINETUNE_DEFAULTS["steps"])
    parser.add_argument("--n", type=int, default=FINETUNE_DEFAULTS["n"])
    parser.add_argument("--shots", type=int, default=FINETUNE_DEFAULTS["shots"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", default=str(CHECKPOINTS_DIR / "patch_digit0_seed0.pt"))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    ck = load_checkpoint(args.source)
    digit = int(ck.config["digit"])
    real = load_digits_tensors(digit, split="train")[0]  # the loss sees the training zeros only
    heldout = load_digits_tensors(digit, split="heldout")[0]
    tuned, hist = spsa_finetune(ck.generator, args.device, real, steps=args.steps, n=args.n, shots=args.shots,
                                seed=args.seed, a=FINETUNE_DEFAULTS["a"], c=FINETUNE_DEFAULTS["c"])
    final = mmd2_on_device(tuned, args.device, heldout, n=64, shots=args.shots, seed=12345)
    settings = {**FINETUNE_DEFAULTS, **vars(args), "source": Path(args.source).name}
    history = History(step=hist["step"], loss_g=hist["loss"], eval_step=[args.steps], metrics={"mmd2": [final]},
                      wall_time=hist["seconds"], settings=settings)
    config = {**ck.config, "finetune": {"device": args.device, "source": "patch_digit0_seed0.pt"}}
    command = (f"python -m qgan_helpers.hardware.finetune --device {args.device} --steps {args.steps} --seed {args.seed} --out {args.out}"
               )
    save_checkpoint(args.out, tuned, config, history, {
        "command": command, "seed": args.seed, "steps": args.steps, "device": args.device,
        "executions": hist["executions"], "command_wall_time_s": round(time.perf_counter() - t0, 2),
        "final_metric_note": "MMD² (sigma 2) of 64 images (noise seed 12345) on the device against the held-out zeros",
    })
    print(f"saved {args.out}: MMD² on {args.device} {final:.4f} after {args.steps} SPSA steps")


if __name__ == "__main__":  # pragma: no cover
    main()
