"""Per-circuit errors of a device run: total variation to the ideal distribution, pixel error, shot floor.

A set-level score such as MMD² between generated and real images compares two *sets* of images.
It can fall *below* the ideal generator's own score -- a mitigated run then "recovers more than
100 %" of the damage -- so it is no measure of how faithfully the device runs each circuit. The
functions here measure that directly, for every circuit (sub-generator x noise vector) against
the exact output of the same circuit:

* :func:`tv_distance` -- the total variation distance ``0.5 * sum |p - q|`` between a measured
  (noisy or mitigated) distribution and the ideal one: 0 for identical, 1 for disjoint ones;
* :func:`pixel_error` -- the mean absolute pixel difference between an image and the ideal image
  for the same noise vector;
* :func:`mitigation_probs` -- one batch of circuits in every setting of the hardware chapter,
  sharing the device runs: ``"exact"``, the shot floors ``"shots"`` and ``"shots+zne"``,
  ``"noisy"``, ``"readout"``, ``"zne"`` and ``"readout+zne"`` (see :data:`SETTINGS`);
* :func:`circuit_errors` -- TV per circuit and pixel error per image of one setting;
* :func:`mitigation_errors` -- all of it for one seed, with the set-level MMD², as flat numbers;
* :func:`summarize` (over circuits or images) and :func:`aggregate_seeds` (over seeds) -- mean,
  spread, median, extremes; :func:`gap_recovered` -- the share of a gap that mitigation closes;
  :func:`median_pairwise_distance` -- the median heuristic for an RBF kernel width.

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
the negative entries' magnitudes, :func:`negative_mass`) per circuit. :func:`tv_distance` refuses
negative entries unless asked to project them the same way (``project=True``).

Examples
--------
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
>>> z = gen.sample_noise(4, torch.Generator().manual_seed(0))
>>> run = mitigation_probs(gen, z, DepolarizingNoise(0.01, 0.05, 0.05), shots=500, seed=0)
>>> err = circuit_errors(gen, run.probs["noisy"], run.probs["exact"])
>>> err["tv"].shape, err["pixel"].shape
((2, 4), (4,))
>>> bool(err["tv"].mean() > circuit_errors(gen, run.probs["shots"], run.probs["exact"])["tv"].mean())
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.hardware.evaluate import ZNE_SCALES, device_probs, images_from_probs, make_runner, resolve_generator
from qgan_helpers.hardware.mitigation import extrapolate_to_zero, mitigate_readout, to_distribution
from qgan_helpers.hardware.noise import DepolarizingNoise
from qgan_helpers.hardware.qiskit_bridge import _check_generator
from qgan_helpers.hardware.runner import AerRunner, _check_shots

__all__ = [
    "SETTINGS",
    "PROB_ATOL",
    "tv_distance",
    "pixel_error",
    "negative_mass",
    "summarize",
    "aggregate_seeds",
    "gap_recovered",
    "median_pairwise_distance",
    "MitigationRun",
    "mitigation_probs",
    "circuit_errors",
    "mitigation_errors",
]

SETTINGS: tuple[str, ...] = ("exact", "shots", "shots+zne", "noisy", "readout", "zne", "readout+zne")
"""The settings of :func:`mitigation_probs`, in table order.

``"exact"`` ideal simulator, exact probabilities (the reference); ``"shots"`` ideal simulator with
the run's shots (the shot floor); ``"shots+zne"`` ideal simulator sampled once per ZNE scale and
extrapolated (the shot floor of ZNE); ``"noisy"`` the device as it is; ``"readout"`` readout-error
mitigation; ``"zne"`` zero-noise extrapolation; ``"readout+zne"`` both.
"""

PROB_ATOL: float = 1e-6
"""Tolerance for "sums to 1" and "not negative" when a probability vector is checked."""


# -- checks -------------------------------------------------------------------------------------
def _finite_array(name: str, values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an array of numbers, got {type(values).__name__}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return arr


def _distributions(name: str, values: Any, project: bool) -> np.ndarray:
    arr = _finite_array(name, values)
    if arr.ndim < 1 or arr.shape[-1] < 2:
        raise ValueError(f"{name}: expected probability vectors of shape (..., K) with K >= 2, got shape {arr.shape}")
    if project:
        return to_distribution(arr)
    if arr.min() < -PROB_ATOL:
        raise ValueError(f"{name}: expected non-negative probabilities, got an entry {arr.min():.3g} (quasi-probabilities "
                         f"from mitigation: pass project=True to clip and renormalise them)")
    sums = arr.sum(axis=-1)
    if np.abs(sums - 1).max() > PROB_ATOL:
        bad = float(sums.flat[np.argmax(np.abs(sums - 1))])
        raise ValueError(f"{name}: expected each probability vector to sum to 1, got a sum of {bad:.6g}")
    return arr


# -- per-circuit measures ---------------------------------------------------------------------
def tv_distance(measured: Any, ideal: Any, *, project: bool = False) -> np.ndarray:
    """Total variation distance ``0.5 * sum_k |measured_k - ideal_k|`` of each probability vector.

    The largest difference in probability the two distributions assign to any set of outcomes:
    0 for identical, 1 for disjoint distributions.

    Parameters
    ----------
    measured : array, shape (..., K)
        Measured (noisy or mitigated) probability vectors, each non-negative and summing to 1.
    ideal : array, shape (..., K)
        The ideal (exact) probability vectors, the same shape.
    project : bool
        ``True``: project ``measured`` first with
        :func:`~qgan_helpers.hardware.mitigation.to_distribution` (clip negative entries to 0,
        renormalise), for raw quasi-probabilities. ``False`` (default): negative entries raise.

    Returns
    -------
    numpy.ndarray, shape (...)
        One distance per vector (a 0-d array for a single pair).

    Examples
    --------
    >>> tv_distance([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]).item()
    0.0
    >>> tv_distance([[1.0, 0.0], [0.7, 0.3]], [[0.0, 1.0], [0.5, 0.5]]).round(6).tolist()
    [1.0, 0.2]
    >>> tv_distance([1.1, -0.1], [1.0, 0.0], project=True).item()
    0.0
    """
    if not isinstance(project, (bool, np.bool_)):
        raise ValueError(f"project: expected True or False, got {project!r}")
    p = _distributions("measured", measured, bool(project))
    q = _distributions("ideal", ideal, False)
    if p.shape != q.shape:
        raise ValueError(f"ideal: expected the same shape as measured {p.shape}, got {q.shape}")
    return np.clip(0.5 * np.abs(p - q).sum(axis=-1), 0.0, 1.0)


def pixel_error(images: Any, ideal_images: Any) -> np.ndarray:
    """Mean absolute pixel difference between each image and the ideal image for the same noise vector.

    Parameters
    ----------
    images : array or tensor, shape (B, H, W) or (B, n_pixels)
        Images from measured (noisy or mitigated) probabilities.
    ideal_images : array or tensor, same shape
        The images from the exact probabilities of the same circuits.

    Returns
    -------
    numpy.ndarray, shape (B,)
        For pixels in ``[0, 1]`` each value is in ``[0, 1]``.

    Examples
    --------
    >>> pixel_error([[0.0, 1.0], [0.5, 0.5]], [[0.0, 1.0], [0.0, 1.0]]).tolist()
    [0.0, 0.5]
    """
    x = _finite_array("images", images)
    y = _finite_array("ideal_images", ideal_images)
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"images: expected shape (B, H, W) or (B, n_pixels) with B >= 1, got {x.shape}")
    if y.shape != x.shape:
        raise ValueError(f"ideal_images: expected the same shape as images {x.shape}, got {y.shape}")
    return np.abs(x - y).reshape(len(x), -1).mean(axis=1)


def negative_mass(values: Any) -> np.ndarray:
    """Probability mass that clipping removes from quasi-probability vectors: ``sum_k max(-v_k, 0)``.

    Parameters
    ----------
    values : array, shape (..., K)

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> negative_mass([[1.05, -0.05], [0.5, 0.5]]).round(6).tolist()
    [0.05, 0.0]
    """
    v = _finite_array("values", values)
    if v.ndim < 1:
        raise ValueError(f"values: expected vectors of shape (..., K), got a scalar")
    return np.clip(-v, 0.0, None).sum(axis=-1)


# -- aggregation --------------------------------------------------------------------------------
def summarize(values: Any) -> dict[str, float]:
    """Mean and spread of a set of numbers (e.g. the TV of every circuit): mean, std, median, min, max.

    ``std`` is the sample standard deviation (``ddof=1``); it is 0.0 for a single value.

    Parameters
    ----------
    values : array, any shape, at least one element
        Flattened.

    Returns
    -------
    dict
        ``{"mean", "std", "median", "min", "max"}`` as floats.

    Examples
    --------
    >>> summarize([1.0, 2.0, 6.0])
    {'mean': 3.0, 'std': 2.6457513110645907, 'median': 2.0, 'min': 1.0, 'max': 6.0}
    """
    v = _finite_array("values", values).ravel()
    if v.size < 1:
        raise ValueError("values: expected at least one number, got an empty array")
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "median": float(np.median(v)),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _aggregate(path: str, items: list[tuple[Any, Any]]) -> Any:
    first = items[0][1]
    if isinstance(first, Mapping):
        keys = list(first)
        for seed, value in items:
            if not isinstance(value, Mapping) or set(value) != set(keys):
                got = sorted(value) if isinstance(value, Mapping) else type(value).__name__
                raise ValueError(f"per_seed: expected seed {seed!r} to have the keys {sorted(keys)} at "
                                 f"{path or 'the top level'}, got {got}")
        return {k: _aggregate(f"{path}/{k}" if path else str(k), [(s, v[k]) for s, v in items]) for k in keys}
    for seed, value in items:
        if not _is_number(value):
            raise ValueError(f"per_seed: expected a number at {path!r} for seed {seed!r}, got {type(value).__name__}")
        if not math.isfinite(float(value)):
            raise ValueError(f"per_seed: expected a finite number at {path!r} for seed {seed!r}, got {value!r}")
    values = [float(v) for _, v in items]
    return {**summarize(values), "values": values}


def aggregate_seeds(per_seed: Mapping[Any, Any]) -> dict[str, Any]:
    """Aggregate (nested) results of several seeds: every number becomes its summary over the seeds.

    Parameters
    ----------
    per_seed : mapping seed -> (nested) mapping of str -> number
        The same keys for every seed, e.g. the output of :func:`mitigation_errors` for each seed.

    Returns
    -------
    dict
        The same nesting; each number replaced by :func:`summarize` over the seeds (``mean``,
        ``std`` with ``ddof=1``, ``median``, ``min``, ``max``) plus ``values``, the numbers in the
        order of ``per_seed``; and ``"seeds"``, the list of seeds, at the top level.

    Examples
    --------
    >>> out = aggregate_seeds({0: {"noisy": {"tv": 0.2}}, 1: {"noisy": {"tv": 0.4}}})
    >>> out["seeds"], out["noisy"]["tv"]["median"], out["noisy"]["tv"]["values"]
    ([0, 1], 0.30000000000000004, [0.2, 0.4])
    """
    if not isinstance(per_seed, Mapping) or len(per_seed) < 1:
        raise ValueError(f"per_seed: expected a non-empty mapping seed -> results, got "
                         f"{type(per_seed).__name__ if not isinstance(per_seed, Mapping) else 'an empty mapping'}")
    items = list(per_seed.items())
    if not isinstance(items[0][1], Mapping):
        raise ValueError(f"per_seed: expected each seed's results to be a mapping of names to numbers, got "
                         f"{type(items[0][1]).__name__}")
    if "seeds" in items[0][1]:
        raise ValueError("per_seed: 'seeds' is reserved for the list of seeds; rename that key")
    return {"seeds": [s for s, _ in items], **_aggregate("", items)}


def gap_recovered(damaged: float, repaired: float, reference: float) -> float:
    """The share of the gap ``damaged - reference`` that ``repaired`` closes: ``(damaged - repaired) / (damaged - reference)``.

    1 means back to the reference, 0 no gain; above 1 the repaired value lies beyond the reference
    (e.g. a mitigated MMD² below the ideal generator's), below 0 it got worse.

    Examples
    --------
    >>> gap_recovered(0.3, 0.12, 0.1)
    0.9
    """
    for name, value in (("damaged", damaged), ("repaired", repaired), ("reference", reference)):
        if not _is_number(value) or not math.isfinite(float(value)):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    gap = float(damaged) - float(reference)
    if gap == 0:
        raise ValueError(f"reference: expected a value different from damaged ({damaged!r}); the gap is zero")
    return (float(damaged) - float(repaired)) / gap + 0.0  # + 0.0: no -0.0


def median_pairwise_distance(images: Any) -> float:
    """The median Euclidean distance between all pairs of different images (median heuristic for an RBF width).

    Parameters
    ----------
    images : array or tensor, shape (N, ...), N >= 2
        Each image is flattened.

    Returns
    -------
    float

    Examples
    --------
    >>> median_pairwise_distance([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
    4.242640687119285
    """
    x = _finite_array("images", images)
    if x.ndim < 2 or x.shape[0] < 2:
        raise ValueError(f"images: expected shape (N, ...) with N >= 2 images, got {x.shape}")
    x = x.reshape(len(x), -1)
    i, j = np.triu_indices(len(x), k=1)
    return float(np.median(np.linalg.norm(x[i] - x[j], axis=1)))


# -- one batch in every setting -----------------------------------------------------------------
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


def circuit_errors(generator: Any, probs: Any, exact: Any) -> dict[str, np.ndarray]:
    """Per-circuit TV distance and per-image pixel error of measured probabilities against exact ones.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    probs : array, shape (G, B, 2**n_qubits)
        Measured (noisy or mitigated, already projected) probabilities.
    exact : array, shape (G, B, 2**n_qubits)
        The exact probabilities of the same circuits.

    Returns
    -------
    dict
        ``"tv"``: numpy.ndarray (G, B), the TV distance of every circuit; ``"pixel"``:
        numpy.ndarray (B,), the :func:`pixel_error` of every image (made as the generator makes
        them, :func:`~qgan_helpers.hardware.evaluate.images_from_probs`).

    Examples
    --------
    >>> from qgan_helpers.models import PatchQuantumGenerator
    >>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8)
    >>> p = gen.circuit_probs(gen.sample_noise(3)).detach().numpy()
    >>> err = circuit_errors(gen, p, p)
    >>> float(err["tv"].max()), float(err["pixel"].max())
    (0.0, 0.0)
    """
    gen = _check_generator(generator)
    want = (gen.n_generators, 2**gen.n_qubits)
    arrays = {}
    for name, value in (("probs", probs), ("exact", exact)):
        arr = _finite_array(name, value)
        if arr.ndim != 3 or (arr.shape[0], arr.shape[2]) != want:
            raise ValueError(f"{name}: expected shape ({want[0]}, B, {want[1]}), got {arr.shape}")
        arrays[name] = arr
    tv = tv_distance(arrays["probs"], arrays["exact"])
    pixels = pixel_error(images_from_probs(gen, arrays["probs"]).double(), images_from_probs(gen, arrays["exact"]).double())
    return {"tv": tv, "pixel": pixels}


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
    for setting, row in out.items():
        for k in widths:
            row[f"mmd2_recovered_{k}"] = gap_recovered(out["noisy"][f"mmd2_{k}"], row[f"mmd2_{k}"], out["exact"][f"mmd2_{k}"])
        row["tv_gap_closed"] = gap_recovered(out["noisy"]["tv_mean"], row["tv_mean"], out["shots"]["tv_mean"])
    return out
