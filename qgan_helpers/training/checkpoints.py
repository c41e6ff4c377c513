"""Checkpoints: a trained generator saved with its configuration, history and provenance.

``PATH.pt`` holds the weights, the configuration and the history as plain tensors, lists and dicts
(``torch.load(..., weights_only=True)`` reads it); ``PATH.json`` beside it holds the provenance: the
command, seed, steps, wall time, final metrics and package versions (:func:`package_versions`).
:func:`save_checkpoint` writes both, :func:`load_checkpoint` rebuilds the generator from the class
name its config stores (looked up in :data:`MODEL_MODULES`), and :func:`load_or_train` is what the
pages use: the shipped checkpoint (:data:`CHECKPOINTS_DIR`) if it exists, a fresh run otherwise.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from qgan_helpers.models.sampling import check_module
from qgan_helpers.provenance import package_versions
from qgan_helpers.resources import checkpoints_dir
from qgan_helpers.training.history import History
from qgan_helpers.training.jsonable import json_text, to_plain

__all__ = [
    "FORMAT_VERSION",
    "CHECKPOINTS_DIR",
    "MODEL_MODULES",
    "Checkpoint",
    "package_versions",
    "save_checkpoint",
    "load_checkpoint",
    "load_or_train",
]

FORMAT_VERSION = 1

CHECKPOINTS_DIR = checkpoints_dir()
"""The package's ``checkpoints/`` folder with the shipped checkpoints (``patch_digit0_seed0.pt``,
``patch_conditional_seed0.pt``, ...), for :func:`load_or_train` on the pages (package data: any install
has it, see :mod:`qgan_helpers.resources`)."""


@dataclass
class Checkpoint:
    """A loaded (or freshly trained) generator with its configuration, history and provenance.

    Attributes
    ----------
    generator : torch.nn.Module
        In eval mode.
    config : dict
        ``{"generator": {"class": name, "kwargs": {...}}, ...}`` plus anything the trainer stored
        (``noise``, ``image_shape``, ``digit``, ...).
    history : History or None
    provenance : dict
        The contents of ``PATH.json``.
    path : pathlib.Path or None
        Where it was saved / loaded from.
    """

    generator: nn.Module
    config: dict[str, Any]
    history: History | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def _pt_path(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path (str or path-like), got {type(path).__name__}")
    p = Path(path)
    if p.suffix != ".pt":
        raise ValueError(f"path: expected a file name ending in .pt, got {str(p)!r}")
    return p


def _check_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise TypeError(f"config: expected a dict, got {type(config).__name__}")
    gen = config.get("generator")
    if not (isinstance(gen, Mapping) and isinstance(gen.get("class"), str) and isinstance(gen.get("kwargs", {}), Mapping)):
        raise ValueError(
            "config: expected config['generator'] = {'class': <name in qgan_helpers.models>, 'kwargs': {...}}, "
            f"got {gen!r}"
        )
    plain = to_plain(config)
    try:
        json.dumps(plain)
    except (TypeError, ValueError) as err:  # pragma: no cover - to_plain makes everything JSON-able
        raise ValueError(f"config: expected JSON-serialisable values ({err})") from None
    return plain


def save_checkpoint(
    path: str | os.PathLike,
    generator: nn.Module,
    config: Mapping[str, Any],
    history: History | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``PATH.pt`` (weights, config, history) and ``PATH.json`` (provenance) beside it.

    The ``.pt`` file holds only tensors, lists, dicts, strings and numbers, so
    ``torch.load(path, weights_only=True)`` reads it. The ``.json`` file holds ``provenance`` (e.g.
    the command that reproduces the checkpoint and its seed) completed with: the steps, wall time
    and final metrics from ``history``, the evaluation curve, the generator's parameter count, the
    package versions and the creation time.

    Parameters
    ----------
    path : str or path-like
        Ends in ``.pt``; its directory must exist.
    generator : torch.nn.Module
    config : dict
        Must contain ``"generator": {"class": <class name in qgan_helpers.models>, "kwargs": {...}}``
        so that :func:`load_checkpoint` can rebuild the model.
    history : History, optional
    provenance : dict, optional

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The ``.pt`` and ``.json`` paths.
    """
    p = _pt_path(path)
    check_module("generator", generator)
    cfg = _check_config(config)
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history: expected a History or None, got {type(history).__name__}")
    if provenance is not None and not isinstance(provenance, Mapping):
        raise TypeError(f"provenance: expected a dict or None, got {type(provenance).__name__}")
    if not p.parent.is_dir():
        raise FileNotFoundError(f"path: the directory {str(p.parent)!r} does not exist")
    state = {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}
    payload = {
        "format": "qgan_helpers.checkpoint",
        "format_version": FORMAT_VERSION,
        "config": cfg,
        "state_dict": state,
        "history": history.to_dict() if history is not None else None,
    }
    prov: dict[str, Any] = dict(to_plain(provenance or {}))
    prov.setdefault("generator", cfg["generator"]["class"])
    prov["trainable_parameters"] = int(sum(q.numel() for q in generator.parameters() if q.requires_grad))
    if history is not None:
        prov.setdefault("steps", history.steps)
        prov["wall_time_s"] = round(history.wall_time, 2)
        prov["cpu_time_s"] = round(history.cpu_time, 2)
        prov["eval_time_s"] = round(history.eval_time, 2)
        prov["final_metrics"] = {k: round(v, 6) for k, v in history.final_metrics().items()}
        prov["metric_curve"] = {"step": history.eval_step, **{k: [round(x, 6) for x in v] for k, v in history.metrics.items()}}
        prov["settings"] = history.settings
    prov["packages"] = package_versions()
    prov["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    prov["checkpoint"] = p.name
    torch.save(payload, p)
    j = p.with_suffix(".json")
    j.write_text(json_text(prov))
    return p, j


MODEL_MODULES: tuple[str, ...] = (
    "qgan_helpers.models",
    "qgan_helpers.born.qcbm",
    "qgan_helpers.born.qbm",
    "qgan_helpers.born.prior",
)
"""Modules whose ``nn.Module`` classes a checkpoint's ``config["generator"]["class"]`` may name, in the
order they are searched: the :mod:`qgan_helpers.models` package (its exported names, ``__all__``) and
the Born machines' modules. Checkpoints store the bare class name, so they survive a class moving
between modules (as in 0.3.0, when ``qgan_helpers.generators`` became ``qgan_helpers.models``)."""


def _exported_class(module_name: str, name: str) -> type | None:
    """The torch module class ``name`` that ``module_name`` exports, or None (also when the module is missing)."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is not None and (module_name + ".").startswith(err.name + "."):  # it, not one it imports, is missing
            return None
        raise
    exported = getattr(module, "__all__", None)
    if exported is not None and name not in exported:
        return None
    cls = getattr(module, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, nn.Module) else None


def _generator_class(name: str) -> type:
    """The class a checkpoint's config names (see :data:`MODEL_MODULES`).

    Examples
    --------
    >>> _generator_class("PatchQuantumGenerator").__name__
    'PatchQuantumGenerator'
    """
    for module_name in MODEL_MODULES:
        cls = _exported_class(module_name, name)
        if cls is not None:
            return cls
    raise ValueError(f"config: generator class {name!r} is not a torch module in any of {list(MODEL_MODULES)}")


def load_checkpoint(path: str | os.PathLike, build: Callable[[Mapping[str, Any]], nn.Module] | None = None) -> Checkpoint:
    """Rebuild a generator from ``PATH.pt`` (read with ``weights_only=True``) and read ``PATH.json``.

    Parameters
    ----------
    path : str or path-like
        A ``.pt`` file written by :func:`save_checkpoint`.
    build : callable, optional
        ``build(config) -> module`` for generators that are not classes of
        :mod:`qgan_helpers.models` (default: ``cls(**config["generator"]["kwargs"])``).

    Returns
    -------
    Checkpoint
        With the generator in eval mode.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable checkpoint of this format (the message says why).
    """
    p = _pt_path(path)
    if not p.is_file():
        raise FileNotFoundError(f"path: no checkpoint file at {str(p)!r}")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt file, not a torch file, pickle refused by weights_only ...
        reason = " ".join(str(err).split())[:160]
        raise ValueError(f"path: {str(p)!r} is not a readable checkpoint ({type(err).__name__}: {reason})") from None
    if not isinstance(payload, dict) or payload.get("format") != "qgan_helpers.checkpoint":
        raise ValueError(f"path: {str(p)!r} is a torch file but not a qgan_helpers checkpoint (no 'format' marker)")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"path: {str(p)!r} has checkpoint format version {payload.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    try:
        config = _check_config(payload.get("config"))
    except (TypeError, ValueError) as err:
        raise ValueError(f"path: {str(p)!r} has no usable generator config ({err})") from None
    try:
        if build is not None:
            generator = build(config)
        else:
            cls = _generator_class(config["generator"]["class"])
            generator = cls(**dict(config["generator"].get("kwargs", {})))
        generator.load_state_dict(payload["state_dict"])
    except ValueError:
        raise
    except Exception as err:
        reason = " ".join(str(err).split())[:200]
        raise ValueError(f"path: {str(p)!r} could not rebuild the generator ({type(err).__name__}: {reason})") from None
    generator.eval()
    history = History.from_dict(payload["history"]) if isinstance(payload.get("history"), dict) else None
    j = p.with_suffix(".json")
    provenance: dict[str, Any] = {}
    if j.is_file():
        try:
            provenance = json.loads(j.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(f"path: the provenance file {str(j)!r} is not valid JSON ({err})") from None
    return Checkpoint(generator=generator, config=config, history=history, provenance=provenance, path=p)


def load_or_train(
    path: str | os.PathLike,
    train_fn: Callable[[], Checkpoint | tuple[Any, ...]],
    *,
    save: bool = True,
    retrain: bool = False,
) -> Checkpoint:
    """Load the checkpoint at ``path`` if it exists, otherwise train (and save, if ``save``).

    For pages: a shipped checkpoint makes the page fast; without it the page still works, just slower.

    Parameters
    ----------
    path : str or path-like
        The ``.pt`` file.
    train_fn : callable
        ``train_fn()`` returning a :class:`Checkpoint` or a tuple ``(generator, config, history[, provenance])``.
    save : bool
        Write the freshly trained checkpoint to ``path`` (pages that must not write files pass False).
    retrain : bool
        Train even if the file exists.

    Returns
    -------
    Checkpoint

    Examples
    --------
    On a page (which must not write files), with the shipped checkpoint as the fast path::

        ck = load_or_train(CHECKPOINTS_DIR / "patch_digit0_seed0.pt",
                           lambda: train_patch_qgan(0, seed=0, progress=False), save=False)
        steps, curve = ck.history.metric("mmd2")
    """
    p = _pt_path(path)
    if not callable(train_fn):
        raise TypeError(f"train_fn: expected a callable returning a Checkpoint, got {type(train_fn).__name__}")
    if p.is_file() and not retrain:
        return load_checkpoint(p)
    result = train_fn()
    if isinstance(result, Checkpoint):
        ckpt = result
    elif isinstance(result, tuple) and len(result) in (3, 4):
        ckpt = Checkpoint(
            generator=result[0], config=dict(result[1]), history=result[2], provenance=dict(result[3]) if len(result) == 4 else {}
        )
    else:
        raise TypeError(
            f"train_fn: expected it to return a Checkpoint or (generator, config, history[, provenance]), got {type(result).__name__}"
        )
    if save:
        save_checkpoint(p, ckpt.generator, ckpt.config, ckpt.history, ckpt.provenance)
        ckpt.provenance = json.loads(p.with_suffix(".json").read_text())
        ckpt.path = p
    return ckpt
