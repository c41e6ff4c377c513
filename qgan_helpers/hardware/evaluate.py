"""A trained patch generator on a (simulated) device: images and MMD², ideal, noisy or mitigated.

:func:`device_probs` is the core: the probabilities of all ``G * B`` circuits for a batch of noise
vectors, on

* ``"ideal"`` -- the exact simulator (the generator's own lean path), optionally with shot noise;
* a :class:`~qgan_helpers.hardware.noise.DepolarizingNoise` -- the ``default.mixed`` channels,
  simulated with Qiskit Aer (:class:`~qgan_helpers.hardware.runner.AerRunner`);
* a fake backend name such as ``"FakeManilaV2"`` -- transpiled to that IBM device and simulated
  with its calibrated noise;
* an :class:`~qgan_helpers.hardware.runner.AerRunner` you built yourself (to reuse its cache);
* any PennyLane device object -- e.g. :func:`~qgan_helpers.hardware.noise.fake_backend_device` or a
  real device from :func:`~qgan_helpers.hardware.remote.remote_device`: the ``G * B`` circuits are
  sent as one batch of tapes with :func:`pennylane.execute` (no mitigation on this path);

and with ``mitigation`` = ``"readout"``, ``"zne"`` or ``"readout+zne"``. :func:`sample_on_device`
turns them into images exactly as the generator does (post-selection, ``p / max p``), with the
same noise vectors as :func:`qgan_helpers.training.generate` for the same ``seed``, and
:func:`mmd2_on_device` scores them against real images.

Examples
--------
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
>>> x = sample_on_device(gen, DepolarizingNoise(0.01), n=4, shots=None)
>>> tuple(x.shape)
(4, 8)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.hardware.mitigation import extrapolate_to_zero, mitigate_readout
from qgan_helpers.hardware.noise import DepolarizingNoise
from qgan_helpers.hardware.qiskit_bridge import _check_generator
from qgan_helpers.hardware.runner import AerRunner, _check_shots

__all__ = [
    "MITIGATIONS",
    "ZNE_SCALES",
    "resolve_generator",
    "make_runner",
    "device_probs",
    "images_from_probs",
    "sample_on_device",
    "mmd2_on_device",
]

MITIGATIONS: tuple[Any, ...] = (None, "readout", "zne", "readout+zne")
"""Values of ``mitigation``."""

ZNE_SCALES: tuple[int, ...] = (1, 3)
"""Fold factors for zero-noise extrapolation (linear fit through two points)."""

_RUNNERS: dict[tuple[Any, ...], AerRunner] = {}


def resolve_generator(generator: Any) -> tuple[Any, dict[str, Any]]:
    """A patch generator from a generator object, a :class:`~qgan_helpers.training.Checkpoint` or a ``.pt`` path.

    Returns
    -------
    (PatchQuantumGenerator, dict)
        The generator and its checkpoint config (empty for a bare generator).
    """
    from qgan_helpers.training import Checkpoint, load_checkpoint

    if isinstance(generator, (str, os.PathLike)):
        ck = load_checkpoint(Path(generator))
        return _check_generator(ck.generator), dict(ck.config)
    if isinstance(generator, Checkpoint):
        return _check_generator(generator.generator), dict(generator.config)
    return _check_generator(generator), {}


def make_runner(device: Any, shots: int | None = 1000, seed: int = 0) -> AerRunner:
    """An :class:`AerRunner` for ``device`` (cached per device, shots and seed, so transpilation happens once)."""
    if isinstance(device, AerRunner):
        return device
    key = (device, shots, seed)
    if key not in _RUNNERS:
        _RUNNERS[key] = AerRunner(device, shots=shots, seed=seed)
    return _RUNNERS[key]


def _check_mitigation(mitigation: Any) -> Any:
    if mitigation not in MITIGATIONS:
        raise ValueError(f"mitigation: expected one of {list(MITIGATIONS)}, got {mitigation!r}")
    return mitigation


def _sampled(probs: np.ndarray, shots: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    flat = probs.reshape(-1, probs.shape[-1])
    counts = np.stack([rng.multinomial(shots, p / p.sum()) for p in flat])
    return (counts / shots).reshape(probs.shape)


def _pennylane_device_probs(gen: Any, noise: torch.Tensor, device: Any, shots: int | None) -> np.ndarray:
    """All circuits of a batch as one list of tapes on a PennyLane device."""
    from qgan_helpers.hardware.qiskit_bridge import patch_angles

    angles = patch_angles(gen, noise)
    n, d = gen.n_qubits, gen.depth
    k = int(np.prod(gen.encoding_shape))  # encoding angles come first in every row
    tapes = []
    for row in angles:
        enc = row[:k].reshape(gen.encoding_shape)
        ops = qml.tape.make_qscript(gen.queue_circuit)(enc, row[k:].reshape(d, n)).operations
        tapes.append(qml.tape.QuantumScript(ops, [qml.probs(wires=gen.wires)], shots=shots))
    results = qml.execute(tapes, device, diff_method=None)
    return np.stack([np.asarray(r, dtype=float) for r in results]).reshape(gen.n_generators, -1, 2**n)


def device_probs(generator: Any, noise: torch.Tensor, device: Any = "ideal", *, shots: int | None = 1000,
                 seed: int = 0, mitigation: Any = None) -> np.ndarray:
    """Probabilities of all circuits of a batch on a device, optionally mitigated.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    noise : torch.Tensor, shape (B, latent_dim)
    device : "ideal", DepolarizingNoise, str, AerRunner or pennylane device
        See the module docstring.
    shots : int or None
        Shots per circuit (``None``: exact probabilities); ignored if ``device`` is an AerRunner.
    seed : int
        Seeds the sampling.
    mitigation : None, "readout", "zne" or "readout+zne"
        Not available for ``"ideal"``.

    Returns
    -------
    numpy.ndarray, shape (G, B, 2**n_qubits)
    """
    gen = _check_generator(generator)
    _check_mitigation(mitigation)
    if isinstance(device, str) and device == "ideal":
        if mitigation is not None:
            raise ValueError(f"mitigation: the ideal simulator has no noise to mitigate; expected None, got {mitigation!r}")
        with torch.no_grad():
            exact = gen.circuit_probs(noise).detach().cpu().numpy()
        if shots is None:
            return exact
        return _sampled(exact, _check_shots(shots), seed)
    if isinstance(device, qml.devices.Device):
        if mitigation is not None:
            raise ValueError(f"mitigation: a PennyLane device object runs the circuits as they are; expected None, got "
                             f"{mitigation!r} (use a fake backend name or an AerRunner for mitigation)")
        return _pennylane_device_probs(gen, noise, device, shots)
    if not isinstance(device, (str, DepolarizingNoise, AerRunner)):
        raise TypeError(f"device: expected 'ideal', a DepolarizingNoise, a fake backend name, an AerRunner or a "
                        f"PennyLane device, got {type(device).__name__}")
    runner = make_runner(device, shots, seed)
    scales = ZNE_SCALES if mitigation in ("zne", "readout+zne") else (1,)
    probs = [runner.probs(gen, noise, scale=s) for s in scales]
    if mitigation in ("readout", "readout+zne"):
        matrices = runner.calibrate_readout(gen)
        probs = [mitigate_readout(p, matrices) for p in probs]
    if len(scales) > 1:
        return extrapolate_to_zero(scales, probs, order=len(scales) - 1)
    return probs[0]


def images_from_probs(generator: Any, probs: Any) -> torch.Tensor:
    """Images from circuit probabilities, as the generator makes them: post-select, ``p / max p``, stitch patches.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    probs : array, shape (G, B, 2**n_qubits)

    Returns
    -------
    torch.Tensor, shape (B, n_pixels), float32
    """
    gen = _check_generator(generator)
    p = torch.as_tensor(np.asarray(probs, dtype=np.float64))
    want = (gen.n_generators, 2**gen.n_qubits)
    if p.ndim != 3 or (p.shape[0], p.shape[2]) != want:
        raise ValueError(f"probs: expected shape ({want[0]}, B, {want[1]}), got {tuple(p.shape)}")
    pix = gen.patches(p)  # (G, B, P)
    g, b, size = pix.shape
    return pix.permute(1, 0, 2).reshape(b, g * size)[:, : gen.n_pixels].float()


def sample_on_device(generator: Any, device: Any = "ideal", n: int = 64, *, shots: int | None = 1000, seed: int = 0,
                     mitigation: Any = None) -> torch.Tensor:
    """``n`` images from a patch generator run on ``device``.

    Parameters
    ----------
    generator : PatchQuantumGenerator, Checkpoint or path to a ``.pt`` checkpoint
    device : "ideal", DepolarizingNoise, fake backend name (e.g. "FakeManilaV2"), AerRunner or PennyLane device
    n : int
        Number of images (``4 * n`` circuits for the default generator).
    shots : int or None
        Shots per circuit; ``None`` = exact probabilities.
    seed : int
        Seeds the noise vectors (the same as :func:`qgan_helpers.training.generate` with this seed)
        and the sampling.
    mitigation : None, "readout", "zne" or "readout+zne"

    Returns
    -------
    torch.Tensor, shape (n, H, W) (8x8 for 64 pixels) or (n, n_pixels), float32 in [0, 1]
    """
    from qgan_helpers.training import sample_noise

    gen, _ = resolve_generator(generator)
    n = validation.positive_int("n", n)
    seed = validation.seed(seed)
    z = sample_noise(int(n), gen.latent_dim, "auto", generator=torch.Generator().manual_seed(int(seed)), model=gen)
    images = images_from_probs(gen, device_probs(gen, z, device, shots=shots, seed=seed, mitigation=mitigation))
    side = math.isqrt(gen.n_pixels)
    return images.reshape(len(images), side, side) if side * side == gen.n_pixels else images


def mmd2_on_device(generator: Any, device: Any = "ideal", real: Any = None, n: int = 64, *, shots: int | None = 1000,
                   seed: int = 0, mitigation: Any = None, sigma: float = 2.0) -> float:
    """MMD² (:func:`qgan_helpers.metrics.mmd2`) of ``n`` images from ``device`` against real images.

    Parameters
    ----------
    generator, device, n, shots, seed, mitigation
        As :func:`sample_on_device`.
    real : array of shape (N, H, W), optional
        The real images; default: all bundled digits of the checkpoint's ``digit`` (needs a
        checkpoint, not a bare generator).
    sigma : float
        Kernel width.

    Returns
    -------
    float
    """
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.metrics import mmd2

    gen, config = resolve_generator(generator)
    if real is None:
        digit = config.get("digit")
        if not isinstance(digit, int):
            raise ValueError("real: expected real images (N, H, W); only a checkpoint with a 'digit' in its config supplies them")
        real = load_digits_tensors(digit)[0]
    real_t = torch.as_tensor(np.asarray(real.cpu() if isinstance(real, torch.Tensor) else real), dtype=torch.float64)
    if real_t.ndim < 2 or real_t.shape[0] < 1 or int(np.prod(real_t.shape[1:])) != gen.n_pixels:
        raise ValueError(f"real: expected images with {gen.n_pixels} pixels each, got shape {tuple(real_t.shape)}")
    fake = sample_on_device(gen, device, n, shots=shots, seed=seed, mitigation=mitigation)
    return float(mmd2(fake.reshape(len(fake), -1).double(), real_t.reshape(len(real_t), -1), sigma))
