"""Training runs and sampling for the Born-machine chapter, as functions the command line calls.

* :func:`train_qcbm` -- the course's QCBM on bars-and-stripes 3x3 (9 qubits, 14 valid patterns);
* :func:`train_qbm` -- the course's quantum Boltzmann machine on bars-and-stripes 2x2 (4 visible +
  3 hidden qubits, ``Gamma = 0.5``, bound-based gradient);
* :func:`train_prior` -- a GAN on the 8x8 digits with a QCBM / random-bit / Gaussian latent prior;
* :func:`sample_bitstrings` -- bit strings from a saved QCBM or QBM;
* :func:`load_or_train_born` -- load-or-train for these checkpoints (the chapter uses it).

Each ``train_*`` writes ``PATH.pt`` with :func:`qgan_helpers.training.save_checkpoint` (plain
tensors, dicts and lists: ``torch.load(PATH, weights_only=True)`` reads it) and the provenance
``PATH.json`` beside it: the command that reproduces it, the seed, the steps, the wall and CPU time
and the final metrics. The shipped checkpoints live in ``qgan_helpers/checkpoints/born/`` (:data:`CHECKPOINT_DIR`).

The command line (:mod:`qgan_helpers.cli`) runs them::

    python -m qgan_helpers train qcbm --seed 0 --out checkpoints/born/qcbm_bas3x3_seed0.pt
    python -m qgan_helpers train qbm --seed 0 --out checkpoints/born/qbm_bas2x2_seed0.pt
    python -m qgan_helpers train prior --prior qcbm --seed 0 --out checkpoints/born/prior_qcbm_seed0.pt
    python -m qgan_helpers sample checkpoints/born/qcbm_bas3x3_seed0.pt --n 5 --seed 1 --out bits.npy
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import bas_distribution
from qgan_helpers.born.metrics import sample_metrics
from qgan_helpers.born.prior import PRIORS, PriorGAN, train_prior_gan
from qgan_helpers.born.qbm import QBM, fit_boltzmann
from qgan_helpers.born.qcbm import QCBM, fit_qcbm
from qgan_helpers.resources import checkpoints_dir, results_dir
from qgan_helpers.training import Checkpoint, History, load_checkpoint, save_checkpoint

__all__ = [
    "CHECKPOINT_DIR",
    "BENCHMARK_RESULTS",
    "QCBM_DEFAULTS",
    "QBM_DEFAULTS",
    "PRIOR_DEFAULTS",
    "MODEL_CLASSES",
    "train_qcbm",
    "train_qbm",
    "train_prior",
    "sample_bitstrings",
    "load_born_checkpoint",
    "load_or_train_born",
]

CHECKPOINT_DIR = checkpoints_dir() / "born"
"""Where the shipped checkpoints of the chapter live (``qgan_helpers/checkpoints/born``, package data)."""

BENCHMARK_RESULTS = results_dir() / "qcbm.json"
"""The checked-in result of ``benchmarks/bench_qcbm.py`` (the QCBM target over seeds, the prior GANs)."""

QCBM_DEFAULTS: dict[str, Any] = {"rows": 3, "cols": 3, "layers": 6, "entanglers": "grid", "steps": 200, "lr": 0.1,
                                 "n_starts": 8, "sigmas": [0.25, 0.5, 1.0]}
"""The course's QCBM run: bars-and-stripes 3x3, 6 layers with CNOTs along the pixel grid, 8 starts."""

QBM_DEFAULTS: dict[str, Any] = {"rows": 2, "cols": 2, "n_hidden": 3, "gamma": 0.5, "connectivity": "restricted",
                                "steps": 400, "lr": 0.1, "gradient": "bound"}
"""The course's QBM run: bars-and-stripes 2x2 on 4 visible + 3 hidden qubits."""

PRIOR_DEFAULTS: dict[str, Any] = {"steps": 2000, "latent_dim": 8, "hidden": [64], "qcbm_layers": 3}
"""The course's prior-GAN runs (see :func:`qgan_helpers.born.prior.train_prior_gan`)."""

MODEL_CLASSES: dict[str, type[nn.Module]] = {"QCBM": QCBM, "QBM": QBM, "PriorGAN": PriorGAN}
"""Model classes a Born-chapter checkpoint may hold (``config["generator"]["class"]``)."""


def _steps(steps: Any, default: int) -> int:
    if steps is None:
        return default
    wanted = f"steps: expected a positive integer or None (the course default {default})"
    if not validation.is_int(steps):
        raise validation.ArgumentTypeError(f"{wanted}, got {steps!r}")
    if steps < 1:
        raise ValueError(f"{wanted}, got {steps!r}")
    return int(steps)


def _out(out: Any) -> Path:
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out: expected a file path ending in .pt, got {type(out).__name__}")
    p = Path(out)
    if p.suffix != ".pt":
        raise ValueError(f"out: expected a file name ending in .pt, got {str(p)!r}")
    if not p.parent.is_dir():
        raise FileNotFoundError(f"out: the directory {str(p.parent)!r} does not exist")
    return p


def _history(eval_step: Any, curves: Mapping[str, Any], steps: int, wall: float, cpu: float, settings: Mapping[str, Any]) -> History:
    h = History(
        step=list(range(1, steps + 1)),
        eval_step=[int(s) for s in eval_step],
        metrics={k: [float(v) for v in np.asarray(c)] for k, c in curves.items()},
        wall_time=float(wall),
        settings=dict(settings),
    )
    h.cpu_time = float(cpu)  # absent in older History versions: set it as an attribute
    return h


def _command(kind: str, seed: int, out: Path, steps: int | None, extra: str = "") -> str:
    text = f"python -m qgan_helpers train {kind} --seed {seed} --out {shlex.quote(str(out))}"
    if steps is not None:
        text += f" --steps {steps}"
    return text + extra


def _save(out: Path, model: nn.Module, kind: str, history: History, provenance: dict[str, Any]) -> dict[str, Any]:
    config = {"generator": {"class": type(model).__name__, "kwargs": model.config()}, "kind": kind}
    _, json_path = save_checkpoint(out, model, config, history, provenance)
    return json.loads(json_path.read_text())


def train_qcbm(seed: int, out: Path, steps: int | None = None, *, command: str | None = None) -> dict[str, Any]:
    """Train the course's QCBM on bars-and-stripes 3x3 and save it.

    Parameters
    ----------
    seed : int
        Seed of the initial angles (of all starts).
    out : path
        The checkpoint ``PATH.pt``; ``PATH.json`` (provenance) is written beside it.
    steps : int, optional
        Adam steps (default ``QCBM_DEFAULTS["steps"]`` = 200).
    command : str, optional
        The command line to record as the way to reproduce the run (default: the
        ``python -m qgan_helpers train qcbm ...`` form).

    Returns
    -------
    dict
        The provenance (also in ``PATH.json``): ``command``, ``seed``, ``steps``, ``wall_time_s``,
        ``cpu_time_s``, ``final_metrics`` (exact ``kl``, ``chi``, ``mmd``; ``kl_2000``, ``chi_2000``,
        ``kl_20000``, ``chi_20000`` from samples), ...
    """
    seed, out = validation.seed(seed), _out(out)
    n_steps = _steps(steps, QCBM_DEFAULTS["steps"])
    d = QCBM_DEFAULTS
    fit = fit_qcbm(
        bas_distribution(d["rows"], d["cols"]), layers=d["layers"], entanglers=d["entanglers"],
        grid_shape=(d["rows"], d["cols"]), sigmas=d["sigmas"], steps=n_steps, lr=d["lr"], n_starts=d["n_starts"],
        seed=seed, eval_every=5,
    )
    best = fit.best_start
    history = _history(fit.eval_step, {"mmd": fit.loss[:, best], "kl": fit.kl[:, best], "chi": fit.chi[:, best]},
                       n_steps, fit.wall_time, fit.cpu_time, {**fit.settings, "best_start": best})
    p_data = bas_distribution(d["rows"], d["cols"])
    sampled = {}
    for k, shots in enumerate((2000, 20000)):
        m = sample_metrics(p_data, fit.model.sample(shots, seed=seed + 1 + k))
        sampled.update({f"kl_{shots}": round(m["kl"], 6), f"chi_{shots}": round(m["chi"], 6)})
    provenance = {
        "command": command or _command("qcbm", seed, out, steps),
        "seed": seed,
        "steps": n_steps,
        "data": f"bars and stripes {d['rows']}x{d['cols']}",
        "sampled_metrics": sampled,
        "final_start_kl": [round(float(v), 6) for v in fit.kl[-1]],
    }
    prov = _save(out, fit.model, "qcbm", history, provenance)
    prov["final_metrics"] = {**prov.get("final_metrics", {}), **sampled}
    Path(out).with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    return prov


def train_qbm(seed: int, out: Path, steps: int | None = None, *, command: str | None = None) -> dict[str, Any]:
    """Train the course's quantum Boltzmann machine on bars-and-stripes 2x2 and save it.

    4 visible + 3 hidden qubits, restricted couplings, ``Gamma = 0.5``, Amin et al.'s bound-based
    gradient with Adam (``QBM_DEFAULTS``). Same files and return value as :func:`train_qcbm`
    (final metrics: exact ``kl``, ``chi``, ``nll``).
    """
    seed, out = validation.seed(seed), _out(out)
    n_steps = _steps(steps, QBM_DEFAULTS["steps"])
    d = QBM_DEFAULTS
    p_data = bas_distribution(d["rows"], d["cols"])
    model = QBM(d["rows"] * d["cols"], d["n_hidden"], gamma=d["gamma"], connectivity=d["connectivity"], init_seed=seed)
    fit = fit_boltzmann(model, p_data, steps=n_steps, lr=d["lr"], gradient=d["gradient"], eval_every=5)
    history = _history(fit.eval_step, {"kl": fit.kl, "nll": fit.nll}, n_steps, fit.wall_time, fit.cpu_time, fit.settings)
    provenance = {
        "command": command or _command("qbm", seed, out, steps),
        "seed": seed,
        "steps": n_steps,
        "data": f"bars and stripes {d['rows']}x{d['cols']}",
    }
    prov = _save(out, fit.model, "qbm", history, provenance)
    prov["final_metrics"] = {k: round(float(v), 6) for k, v in fit.metrics.items()}
    Path(out).with_suffix(".json").write_text(json.dumps(prov, indent=2) + "\n")
    return prov


def train_prior(prior: str, seed: int, out: Path, steps: int | None = None, *, command: str | None = None) -> dict[str, Any]:
    """Train the chapter's GAN with a ``"qcbm"``, ``"bits"`` or ``"gaussian"`` latent prior and save it.

    Returns the provenance; its final metrics are :func:`qgan_helpers.born.prior.evaluate_prior_gan`.
    """
    if prior not in PRIORS:
        raise ValueError(f"prior: expected one of {list(PRIORS)}, got {prior!r}")
    seed, out = validation.seed(seed), _out(out)
    n_steps = _steps(steps, PRIOR_DEFAULTS["steps"])
    d = PRIOR_DEFAULTS
    result = train_prior_gan(prior, steps=n_steps, latent_dim=d["latent_dim"], hidden=d["hidden"],
                             qcbm_layers=d["qcbm_layers"], seed=seed)
    history = result.history
    history.metrics = {k: [float(v)] for k, v in result.metrics.items()}
    history.eval_step = [n_steps]
    history.settings = {**history.settings, **result.settings}
    provenance = {"command": command or _command("prior", seed, out, steps, f" --prior {prior}"),
                  "seed": seed, "steps": n_steps, "prior": prior,
                  "prior_mmd_last": round(result.prior_mmd[-1], 6) if result.prior_mmd else None,
                  "data": "8x8 digits (train split)"}
    return _save(out, result.model, f"prior-{prior}", history, provenance)


def load_born_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Load a checkpoint written by :func:`train_qcbm`, :func:`train_qbm` or :func:`train_prior`.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it is not a checkpoint of this chapter's models.
    """

    def build(config: Mapping[str, Any]) -> nn.Module:
        name = config["generator"]["class"]
        if name not in MODEL_CLASSES:
            raise ValueError(f"path: the checkpoint holds a {name!r}, expected one of {sorted(MODEL_CLASSES)}")
        return MODEL_CLASSES[name](**dict(config["generator"].get("kwargs", {})))

    return load_checkpoint(path, build=build)


def sample_bitstrings(path: str | os.PathLike, n: int, seed: int) -> np.ndarray:
    """Bit strings from a saved QCBM or QBM: an int array of shape ``(n, n_visible)`` with values in {0, 1}.

    Parameters
    ----------
    path : path
        A checkpoint of :func:`train_qcbm` (9 bits per sample) or :func:`train_qbm` (4 visible bits).
    n : int
        Number of samples.
    seed : int
        The same seed gives the same samples.

    Examples
    --------
    >>> bits = sample_bitstrings(CHECKPOINT_DIR / "qcbm_bas3x3_seed0.pt", 4, seed=1)   # the shipped checkpoint
    >>> bits.shape, bits.dtype
    ((4, 9), dtype('int64'))
    """
    n = validation.positive_int("n", n)
    seed = validation.seed(seed)
    ckpt = load_born_checkpoint(path)
    model = ckpt.generator
    if not isinstance(model, (QCBM, QBM)):
        raise ValueError(f"path: expected a QCBM or QBM checkpoint (bit strings), got a {type(model).__name__}")
    return model.sample(int(n), seed=seed).astype(np.int64)


def load_or_train_born(path: str | os.PathLike, train: Callable[[Path], Any], *, save: bool = False) -> Checkpoint:
    """Load the checkpoint at ``path``; if it is missing, train with ``train(out)`` and load the result.

    Without ``save`` the fresh checkpoint is written to a temporary directory (pages must not write
    into the repository) and loaded from there.

    Parameters
    ----------
    path : path
        The shipped checkpoint.
    train : callable
        ``train(out_path)``, e.g. ``lambda out: train_qcbm(0, out)``.
    save : bool
        Write the fresh checkpoint to ``path`` itself.
    """
    import tempfile

    p = Path(path)
    if p.is_file():
        return load_born_checkpoint(p)
    if save:
        train(_out(p))
        return load_born_checkpoint(p)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / p.name
        train(out)
        return load_born_checkpoint(out)
