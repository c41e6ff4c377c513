"""Circuit executions per training step, counted with ``qml.Tracker``, and what they cost in shots and time.

On a simulator, backpropagation gets all gradients from the forward runs. On a device it is not
available: the parameter-shift rule needs two extra runs per trainable angle and circuit, and
SPSA (simultaneous perturbation) needs two runs per circuit *whatever the number of angles*, at the
price of a noisy gradient estimate. :func:`count_executions` measures these numbers on the patch
generator; :func:`device_time` turns executions and shots into seconds on a device.

Examples
--------
>>> c = count_executions("backprop", n_qubits=3, depth=1, n_generators=2, batch=2)
>>> c["forward"], c["total"]
(4, 4)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation

__all__ = ["DIFF_METHODS", "count_executions", "device_time"]

DIFF_METHODS: tuple[str, ...] = ("backprop", "parameter-shift", "spsa")
"""Gradient methods :func:`count_executions` counts."""


def count_executions(diff_method: str, *, n_qubits: int = 5, depth: int = 8, n_generators: int = 4,
                     batch: int = 2, seed: int = 0) -> dict[str, Any]:
    """Count device executions of one forward + backward pass of a patch generator.

    The generator evaluates one circuit per sample and sub-generator (``method="loop"``), because
    PennyLane's parameter-shift and SPSA transforms cannot differentiate broadcast parameters.

    Parameters
    ----------
    diff_method : {"backprop", "parameter-shift", "spsa"}
    n_qubits, depth, n_generators : int
        The generator's architecture.
    batch : int
        Noise samples in the batch.
    seed : int

    Returns
    -------
    dict
        ``forward`` (executions of the forward pass), ``total`` (forward + backward), ``seconds``
        (wall time of both on this machine), ``grad`` (the gradient, a tensor of the weights' shape).
    """
    from qgan_helpers.models import PatchQuantumGenerator

    if diff_method not in DIFF_METHODS:
        raise ValueError(f"diff_method: expected one of {list(DIFF_METHODS)}, got {diff_method!r}")
    batch = validation.positive_int("batch", batch)
    torch.manual_seed(seed)
    gen = PatchQuantumGenerator(n_qubits=validation.positive_int("n_qubits", n_qubits), n_ancillas=1 if n_qubits > 1 else 0,
                                depth=validation.positive_int("depth", depth),
                                n_generators=validation.positive_int("n_generators", n_generators),
                                n_pixels=n_generators * 2 ** (n_qubits - (1 if n_qubits > 1 else 0)),
                                diff_method=diff_method, method="loop")
    z = gen.sample_noise(batch, torch.Generator().manual_seed(seed))
    gen(z)  # warm-up: builds the QNode
    with qml.Tracker(gen.qnode().device) as tracker:
        t0 = time.perf_counter()
        out = gen(z)
        forward = int(tracker.totals.get("executions", 0))
        loss = (out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum()
        loss.backward()
        seconds = time.perf_counter() - t0
    return {"forward": forward, "total": int(tracker.totals.get("executions", 0)), "seconds": seconds,
            "grad": gen.weights.grad.detach().clone()}


def device_time(executions: int, shots: int, circuit_us: float, rep_delay_us: float = 250.0) -> float:
    """Seconds a device spends on ``executions`` circuits of ``shots`` shots each (queueing not included).

    Each shot runs the circuit (``circuit_us``, e.g. ``transpile_summary(...)["duration_us"]``),
    measures and waits ``rep_delay_us`` for the qubits to reset (IBM's default is 250 µs).

    Examples
    --------
    >>> round(device_time(1000, 1000, 14.0), 1)
    264.0
    """
    executions = validation.positive_int("executions", executions)
    shots = validation.positive_int("shots", shots)
    for name, v in (("circuit_us", circuit_us), ("rep_delay_us", rep_delay_us)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v) or v < 0:
            raise ValueError(f"{name}: expected a non-negative number of microseconds, got {v!r}")
    return executions * shots * (float(circuit_us) + float(rep_delay_us)) * 1e-6
