"""One mechanism for the course's named training runs ("recipes"): the patch QGAN, the hybrid QGAN.

Every recipe takes the same steps:

1. merge its defaults with the caller's overrides, refusing unknown keys (:func:`merge_settings`);
2. seed everything, then build the generator (with the config entry that rebuilds it), the
   discriminator, the real data and the evaluator -- the recipe's own part, a :class:`RecipeSetup`;
3. train them with :func:`~qgan_helpers.training.train_gan`, reading the training keys of the
   settings (:data:`TRAIN_SETTINGS`), storing a grid of samples every ``sample_every`` steps
   (:class:`~qgan_helpers.training.SampleGridCallback`) and calling the caller's ``callbacks``;
4. return a :class:`~qgan_helpers.training.Checkpoint` whose config rebuilds the generator and
   records the settings, and whose provenance says how it was made (seed, steps, ...).

:func:`run_recipe` does steps 2-4; a recipe (``train_patch_qgan``, ``train_hybrid_qgan``) checks its
own arguments, merges its settings and hands over a ``build()`` function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from qgan_helpers.training.checkpoints import Checkpoint
from qgan_helpers.training.history import Callback, SampleGridCallback, check_callbacks
from qgan_helpers.training.jsonable import to_plain
from qgan_helpers.training.loop import train_gan

__all__ = ["TRAIN_SETTINGS", "RecipeSetup", "merge_settings", "train_options", "run_recipe"]

TRAIN_SETTINGS: dict[str, Callable[[Any], Any] | None] = {
    "steps": int,
    "batch_size": int,
    "lr_g": float,
    "lr_d": float,
    "betas": tuple,
    "loss": None,
    "gp_lambda": None,
    "aux_weight": float,
    "d_steps": None,
    "ema_decay": None,
    "r1_gamma": float,
    "label_smoothing": float,
    "lr_schedule": str,
    "lr_final_fraction": float,
    "eval_every": int,
}
"""The settings a recipe passes on to :func:`~qgan_helpers.training.train_gan` (when it has them), each
with the conversion applied first (None: passed as it is, for ``train_gan`` to check)."""


@dataclass
class RecipeSetup:
    """What a recipe builds before training (step 2 of the module docstring).

    Attributes
    ----------
    kind : str
        ``config["kind"]`` of the checkpoint (``"patch"``, ``"hybrid_fixed"``, ...).
    generator, discriminator : torch.nn.Module
    generator_entry : dict
        ``{"class": name, "kwargs": {...}}``: ``config["generator"]``, what rebuilds the generator.
    real_data : Any
        ``train_gan``'s ``real_data``.
    eval_fn : callable or None
        ``train_gan``'s ``eval_fn``.
    desc : str
        Label of the progress bar.
    config, provenance : dict
        The recipe's own entries of the checkpoint's config (after ``kind``, ``generator`` and
        ``noise``) and provenance (after ``seed`` and ``steps``).
    conditional : bool
        ``train_gan``'s ``conditional``.
    grid_size : int
        Images per stored sample grid.
    """

    kind: str
    generator: nn.Module
    generator_entry: dict[str, Any]
    discriminator: nn.Module
    real_data: Any
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None
    desc: str
    config: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    conditional: bool = False
    grid_size: int = 16


def merge_settings(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` updated with ``overrides``; a ``ValueError`` for a key the defaults do not have.

    Examples
    --------
    >>> merge_settings({"steps": 10, "lr_g": 0.01}, {"steps": 3})
    {'steps': 3, 'lr_g': 0.01}
    >>> merge_settings({"steps": 10}, {"stepz": 3})
    Traceback (most recent call last):
    ...
    ValueError: overrides: unknown setting(s) ['stepz']; expected keys of ['steps']
    """
    settings = dict(defaults)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {unknown}; expected keys of {sorted(settings)}")
    settings.update(overrides)
    return settings


def train_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`~qgan_helpers.training.train_gan` among ``settings`` (see :data:`TRAIN_SETTINGS`).

    Examples
    --------
    >>> train_options({"steps": 5.0, "betas": [0.5, 0.9], "depth": 3})
    {'steps': 5, 'betas': (0.5, 0.9)}
    """
    options = {}
    for key, convert in TRAIN_SETTINGS.items():
        if key in settings:
            options[key] = settings[key] if convert is None else convert(settings[key])
    return options


def run_recipe(
    build: Callable[[], RecipeSetup],
    settings: Mapping[str, Any],
    *,
    seed: int,
    progress: bool = True,
    callbacks: Sequence[Callback] | None = None,
) -> Checkpoint:
    """Seed, build, train and package one recipe run (steps 2-4 of the module docstring).

    Parameters
    ----------
    build : callable
        ``build() -> RecipeSetup``, called right after :func:`qgan_helpers.seeding.seed_everything`
        so that the weights it initialises depend on ``seed`` only.
    settings : dict
        The merged settings; they need ``sample_every`` and the training keys the recipe uses
        (:data:`TRAIN_SETTINGS`), and are stored whole in the checkpoint's config.
    seed : int
        Seeds the weights (:func:`~qgan_helpers.seeding.seed_everything`), the batches and the noise
        (``train_gan``'s ``seed``) and the stored sample grids (``seed + 1``).
    progress : bool
    callbacks : sequence of Callback, optional
        Called by ``train_gan`` after the recipe's own sample grid.

    Returns
    -------
    Checkpoint
        Generator, config (enough to rebuild it), history and provenance (without the command).

    Examples
    --------
    >>> import torch
    >>> from qgan_helpers.models.discriminators import MLPDiscriminator
    >>> def build():
    ...     g = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Sigmoid())
    ...     g.latent_dim = 4
    ...     return RecipeSetup("toy", g, {"class": "Sequential", "kwargs": {}}, MLPDiscriminator(),
    ...                        torch.rand(40, 8, 8), None, "toy")
    >>> ck = run_recipe(build, {"steps": 3, "batch_size": 8, "sample_every": 3}, seed=0, progress=False)
    >>> ck.config["kind"], ck.provenance, ck.history.sample_step
    ('toy', {'seed': 0, 'steps': 3}, [0, 3])
    """
    from qgan_helpers.seeding import seed_everything

    extra = [] if callbacks is None else list(check_callbacks(callbacks))
    seed_everything(seed)
    setup = build()
    grid = SampleGridCallback(every=int(settings["sample_every"]), n=setup.grid_size, seed=int(seed) + 1)
    history = train_gan(
        setup.generator, setup.discriminator, setup.real_data, conditional=setup.conditional,
        **train_options(settings), callbacks=[grid, *extra], eval_fn=setup.eval_fn, seed=int(seed),
        progress=progress, desc=setup.desc,
    )
    config = {
        "kind": setup.kind, "generator": setup.generator_entry, "noise": "auto", **setup.config,
        "settings": to_plain(settings),
    }
    provenance = {"seed": int(seed), "steps": history.steps, **setup.provenance}
    return Checkpoint(generator=setup.generator, config=config, history=history, provenance=provenance)
