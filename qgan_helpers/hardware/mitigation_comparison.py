"""The hardware chapter's mitigation comparison: one batch of circuits in every setting, scored per circuit.

:func:`mitigation_probs` runs one batch of circuits (sub-generator x noise vector) in every setting of
:data:`SETTINGS`, sharing the device runs: ``"exact"``, the shot floors ``"shots"`` and
``"shots+zne"``, ``"noisy"``, ``"readout"``, ``"zne"`` and ``"readout+zne"``.
:func:`mitigation_errors` scores one seed of it: the set-level MMD² of every setting beside the
per-circuit errors (:mod:`~qgan_helpers.hardware.error_measures`) and their summaries
(:mod:`~qgan_helpers.hardware.summaries`), as flat numbers.

**Shot floor.** Even a perfect device returns frequencies, not probabilities: the TV of the ideal
circuit sampled with the same number of shots (``"shots"``) is what a device without any noise
would score, the level to compare mitigated runs with. Two-point zero-noise extrapolation
``(3 p_1 - p_3) / 2`` amplifies the shot noise (its variance by ``(9 + 1) / 4 = 2.5``), so
``"shots+zne"`` -- ideal samples at every scale, extrapolated exactly like the device runs -- is
the corresponding level for the ZNE settings.

**Projection of quasi-probabilities.** Inverting the confusion matrices and extrapolating both
return vectors that sum to 1 but may have negative entries. As the chapter does, every such vector
is projected with :func:`~qgan_helpers.hardware.mitigation.to_distribution`: negative entries are
clipped to 0 and the vector renormalised to sum 1 (per circuit). For ``"readout+zne"`` this
happens twice: after the readout inversion at each scale, and after the extrapolation.
:func:`mitigation_probs` records the probability mass the *last* projection removed (the sum of
the negative entries' magnitudes, :func:`~qgan_helpers.hardware.error_measures.negative_mass`) per
circuit.

Examples
--------
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
>>> z = gen.sample_noise(4, torch.Generator().manual_seed(0))
>>> run = mitigation_probs(gen, z, DepolarizingNoise(0.01, 0.05, 0.05), shots=500, seed=0)
>>> list(run.probs) == list(SETTINGS), run.probs["noisy"].shape   # (G, B, 2**n_qubits)
(True, (2, 4, 8))
>>> run.executions                     # 2 fold factors x 8 circuits + 2 readout calibrations
18
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.hardware.error_measures import _finite_array, circuit_errors, negative_mass
from qgan_helpers.hardware.evaluate import ZNE_SCALES, device_probs, images_from_probs, make_runner, resolve_generator
from qgan_helpers.hardware.mitigation import extrapolate_to_zero, mitigate_readout, to_distribution
from qgan_helpers.hardware.noise import DepolarizingNoise
from qgan_helpers.hardware.runner import AerRunner, _check_shots
from qgan_helpers.hardware.summaries import _is_number, gap_recovered, summarize

__all__ = ["SETTINGS", "MitigationRun", "mitigation_probs", "mitigation_errors"]

SETTINGS: tuple[str, ...] = ("exact", "shots", "shots+zne", "noisy", "readout", "zne", "readout+zne")
"""The settings of :func:`mitigation_probs`, in table order.

``"exact"`` ideal simulator, exact probabilities (the reference); ``"shots"`` ideal simulator with
the run's shots (the shot floor); ``"shots+zne"`` ideal simulator sampled once per ZNE scale and
extrapolated (the shot floor of ZNE); ``"noisy"`` the device as it is; ``"readout"`` readout-error
mitigation; ``"zne"`` zero-noise extrapolation; ``"readout+zne"`` both.
"""


@dataclass
class MitigationRun:
    """One batch of circuits in every setting of :data:`SETTINGS`.

    Attributes
    ----------
    probs : dict str -> numpy.ndarray, each (G, B, 2**n_qubits)
        Probability vectors per setting (mitigated ones projected as in the module docstring).
    clipped : dict str -> numpy.ndarray, each (G, B)
        Probability mass the last projection removed from each circuit's vector (0 for the
        unmitigated settings).
    confusion : list of numpy.ndarray, each (2, 2)
        The measured readout confusion matrices (PennyLane wire order).
    shots : int or None
    seed : int
    scales : tuple of int
        The ZNE fold factors.
    executions : int
        Circuits run on the noisy device (all scales plus the readout calibration).
    """

    probs: dict[str, np.ndarray]
    clipped: dict[str, np.ndarray]
    confusion: list[np.ndarray]
    shots: int | None
    seed: int
    scales: tuple[int, ...]
    executions: int


def _sample(exact: np.ndarray, shots: int, entropy: list[int]) -> np.ndarray:
    rng = np.random.default_rng(entropy)
    flat = exact.reshape(-1, exact.shape[-1])
    counts = np.stack([rng.multinomial(shots, p / p.sum()) for p in flat])
    return (counts / shots).reshape(exact.shape)


def mitigation_probs(generator: Any, noise: Any, device: Any = "FakeManilaV2", *, shots: int | None = 1000,
                     seed: int = 0, scales: Sequence[int] = ZNE_SCALES) -> MitigationRun:
    """Probabilities of one batch of circuits in every setting of :data:`SETTINGS`, sharing the device runs.

    Runs the circuits once per fold factor and the two readout-calibration circuits, like the
    hardware chapter; every mitigated setting is computed from these runs, so all settings see the
    same shot noise. ``"readout"``, ``"zne"`` and ``"readout+zne"`` equal what
    :func:`~qgan_helpers.hardware.evaluate.device_probs` returns with the same ``device``,
    ``shots``, ``seed`` and ``mitigation``; ``"shots"`` equals ``device_probs(..., "ideal", shots=shots, seed=seed)``.

    Parameters
    ----------
    generator : PatchQuantumGenerator, Checkpoint or path to a ``.pt`` checkpoint
    noise : torch.Tensor, shape (B, latent_dim)
        The noise vectors (one circuit per sub-generator and noise vector).
    device : str, DepolarizingNoise or AerRunner
        A fake backend name such as ``"FakeManilaV2"``, a noise model, or a runner (then its own
        ``shots`` and ``seed`` are used for everything).
    shots : int or None
        Shots per circuit (``None``: exact probabilities everywhere; the shot floors are then 0).
    seed : int
        Seeds the device's sampling and transpilation and the ideal simulator's shots.
    scales : sequence of int
        Odd fold factors for ZNE, at least two (polynomial of degree ``len(scales) - 1``).

    Returns
    -------
    MitigationRun
    """
    gen, _ = resolve_generator(generator)
    if isinstance(device, str) and device == "ideal":
        raise ValueError("device: expected a noisy device (fake backend name, DepolarizingNoise or AerRunner), got 'ideal'")
    if not isinstance(device, (str, DepolarizingNoise, AerRunner)):
        raise ValueError(f"device: expected a fake backend name, a DepolarizingNoise or an AerRunner, got "
                         f"{type(device).__name__}")
    if isinstance(device, AerRunner):
        shots, seed = device.shots, device.seed
    else:
        shots = _check_shots(shots)
    seed = validation.seed(seed)
    scale_list = [int(s) for s in scales] if isinstance(scales, Sequence) else []
    if len(scale_list) < 2 or len(set(scale_list)) != len(scale_list) or 1 not in scale_list:
        raise ValueError(f"scales: expected at least two distinct odd fold factors including 1, got {scales!r}")
    noise_t = torch.as_tensor(noise)
    if noise_t.ndim != 2 or noise_t.shape[1] != gen.latent_dim or len(noise_t) < 1:
        raise ValueError(f"noise: expected shape (B, {gen.latent_dim}) with B >= 1, got {tuple(noise_t.shape)}")
    if not torch.isfinite(noise_t).all():
        raise ValueError("noise: expected finite values, got NaN or infinity")

    runner = make_runner(device, shots, seed)
    before = runner.executions
    exact = device_probs(gen, noise_t, "ideal", shots=None)
    probs: dict[str, np.ndarray] = {"exact": exact}
    if shots is None:
        ideal_at = [exact for _ in scale_list]
    else:
        # scale 1 is the notebook's "ideal, 1000 shots"; the other scales get independent streams
        ideal_at = [device_probs(gen, noise_t, "ideal", shots=shots, seed=seed) if s == 1
                    else _sample(exact, int(shots), [seed, 1 + i]) for i, s in enumerate(scale_list)]
    probs["shots"] = ideal_at[scale_list.index(1)]
    order = len(scale_list) - 1
    raw = {"shots+zne": extrapolate_to_zero(scale_list, ideal_at, order=order, project=False)}

    measured = [runner.probs(gen, noise_t, scale=s) for s in scale_list]
    confusion = runner.calibrate_readout(gen)
    unfolded = measured[scale_list.index(1)]
    probs["noisy"] = unfolded
    raw["readout"] = mitigate_readout(unfolded, confusion, project=False)
    raw["zne"] = extrapolate_to_zero(scale_list, measured, order=order, project=False)
    readout_at = [mitigate_readout(p, confusion) for p in measured]
    raw["readout+zne"] = extrapolate_to_zero(scale_list, readout_at, order=order, project=False)
    clipped = {name: np.zeros(exact.shape[:-1]) for name in ("exact", "shots", "noisy")}
    for name, values in raw.items():
        clipped[name] = negative_mass(values)
        probs[name] = to_distribution(values)
    return MitigationRun(
        probs={k: probs[k] for k in SETTINGS},
        clipped={k: clipped[k] for k in SETTINGS},
        confusion=confusion,
        shots=None if shots is None else int(shots),
        seed=seed,
        scales=tuple(scale_list),
        executions=runner.executions - before,
    )


def mitigation_errors(generator: Any, real: Any, device: Any = "FakeManilaV2", n: int = 64, *,
                      shots: int | None = 1000, seed: int = 0, sigmas: Mapping[str, float] | None = None,
                      scales: Sequence[int] = ZNE_SCALES) -> dict[str, dict[str, float]]:
    """One seed of the mitigation comparison: set-level MMD² and per-circuit errors of every setting.

    Draws ``n`` noise vectors as :func:`~qgan_helpers.hardware.evaluate.sample_on_device` does for
    this ``seed`` (the noise vectors of :func:`qgan_helpers.training.generate`), runs
    :func:`mitigation_probs` and scores each setting.

    Parameters
    ----------
    generator : PatchQuantumGenerator, Checkpoint or path to a ``.pt`` checkpoint
    real : array or tensor, shape (N, H, W) or (N, n_pixels)
        The real images for MMD².
    device : str, DepolarizingNoise or AerRunner
        As :func:`mitigation_probs`.
    n : int
        Noise vectors (images); ``G * n`` circuits per setting.
    shots, seed, scales
        As :func:`mitigation_probs`.
    sigmas : mapping name -> float, optional
        Kernel widths for MMD² (:func:`qgan_helpers.metrics.mmd2`); default ``{"sigma2": 2.0}``,
        the chapter's width.

    Returns
    -------
    dict setting -> dict metric -> float
        For every setting of :data:`SETTINGS`:

        * ``mmd2_<name>`` -- MMD² of the ``n`` images against ``real``, for each kernel width;
        * ``mmd2_recovered_<name>`` -- :func:`gap_recovered` of MMD² from ``"noisy"`` towards ``"exact"``;
        * ``tv_mean``, ``tv_std``, ``tv_median``, ``tv_max`` -- :func:`summarize` of the TV of the ``G * n`` circuits;
        * ``tv_gap_closed`` -- :func:`gap_recovered` of mean TV from ``"noisy"`` towards the shot floor ``"shots"``;
        * ``pixel_mean``, ``pixel_std``, ``pixel_median``, ``pixel_max`` -- the same for the pixel error of the ``n`` images;
        * ``clipped_mean`` -- mean probability mass the last projection removed per circuit.

    Examples
    --------
    >>> from qgan_helpers.models import PatchQuantumGenerator
    >>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
    >>> real = torch.rand(10, 8, generator=torch.Generator().manual_seed(0))
    >>> out = mitigation_errors(gen, real, DepolarizingNoise(0.01, 0.05, 0.05), n=4, shots=500, seed=0)
    >>> list(out) == list(SETTINGS), out["exact"]["tv_mean"], out["noisy"]["mmd2_recovered_sigma2"]
    (True, 0.0, 0.0)
    """
    from qgan_helpers.metrics import mmd2
    from qgan_helpers.training import sample_noise

    gen, _ = resolve_generator(generator)
    n = validation.positive_int("n", n)
    seed = validation.seed(seed)
    widths = {"sigma2": 2.0} if sigmas is None else sigmas
    if not isinstance(widths, Mapping) or not widths:
        raise ValueError(f"sigmas: expected a non-empty mapping name -> kernel width, got {sigmas!r}")
    for name, s in widths.items():
        if not isinstance(name, str) or not _is_number(s) or not math.isfinite(float(s)) or s <= 0:
            raise ValueError(f"sigmas: expected names (str) mapped to positive kernel widths, got {name!r}: {s!r}")
    real_arr = _finite_array("real", real)
    if real_arr.ndim < 2 or real_arr.shape[0] < 1 or int(np.prod(real_arr.shape[1:])) != gen.n_pixels:
        raise ValueError(f"real: expected images with {gen.n_pixels} pixels each, got shape {real_arr.shape}")
    real_flat = real_arr.reshape(len(real_arr), -1)

    z = sample_noise(int(n), gen.latent_dim, "auto", generator=torch.Generator().manual_seed(seed), model=gen)
    run = mitigation_probs(gen, z, device, shots=shots, seed=seed, scales=scales)
    exact = run.probs["exact"]
    out: dict[str, dict[str, float]] = {}
    for setting in SETTINGS:
        images = images_from_probs(gen, run.probs[setting]).double().numpy()
        err = circuit_errors(gen, run.probs[setting], exact)
        row: dict[str, float] = {f"mmd2_{k}": float(mmd2(images, real_flat, float(s))) for k, s in widths.items()}
        row.update({f"tv_{k}": v for k, v in summarize(err["tv"]).items() if k != "min"})
        row.update({f"pixel_{k}": v for k, v in summarize(err["pixel"]).items() if k != "min"})
        row["clipped_mean"] = float(run.clipped[setting].mean())
        out[setting] = row
    for row in out.values():
        for k in widths:
            row[f"mmd2_recovered_{k}"] = gap_recovered(out["noisy"][f"mmd2_{k}"], row[f"mmd2_{k}"], out["exact"][f"mmd2_{k}"])
        row["tv_gap_closed"] = gap_recovered(out["noisy"]["tv_mean"], row["tv_mean"], out["shots"]["tv_mean"])
    return out
