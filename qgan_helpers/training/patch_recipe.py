"""The course's patch-QGAN runs on the 8x8 digits: :func:`train_patch_qgan` and its defaults.

:data:`PATCH_DEFAULTS` (one digit) and :data:`CONDITIONAL_DEFAULTS` (all ten, class-conditional)
hold the tuned settings and, in their docstrings, the measurements that chose them; what
``python -m qgan_helpers train patch`` executes. ``classical=True`` trains the classical baseline of
equal parameter count (:data:`CLASSICAL_KINDS`) with the same budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from qgan_helpers import validation
from qgan_helpers.training.checkpoints import Checkpoint
from qgan_helpers.training.evaluators import mmd_evaluator
from qgan_helpers.training.history import Callback
from qgan_helpers.training.recipe import RecipeSetup, merge_settings, run_recipe

__all__ = ["PATCH_DEFAULTS", "CONDITIONAL_DEFAULTS", "CLASSICAL_KINDS", "train_patch_qgan"]

PATCH_DEFAULTS: dict[str, Any] = {
    # generator
    "n_qubits": 5,
    "n_ancillas": 2,
    "depth": 12,
    "n_generators": 8,
    "init_scale": 0.5,
    "reupload": True,
    "upload_every": 6,
    "input_scaling": False,
    "input_scale_init": None,
    "noise_per_upload": True,
    "pixel_method": "max",
    "threshold_init": 0.1,
    "classical_kind": "mlp",
    "classical_budget": None,
    # discriminator
    "hidden": (128, 32),
    # training
    "steps": 3000,
    "batch_size": 32,
    "lr_g": 0.01,
    "lr_d": 0.001,
    "loss": "non-saturating",
    "gp_lambda": 10.0,
    "d_steps": 1,
    "ema_decay": 0.99,
    "r1_gamma": 1.0,
    "label_smoothing": 0.0,
    "lr_schedule": "cosine",
    "lr_final_fraction": 0.1,
    "eval_every": 100,
    "sample_every": 100,
}
"""Defaults of ``python -m qgan_helpers train patch --digit D``, tuned on the zeros, confirmed on the
threes and fives.

**The generator** (changed after the image suite's ablation; ``benchmarks/bench_patch_ablation.py``,
results in ``qgan_helpers/results/patch_ablation.json``; medians over seeds 0-2 of the suite's
scores against the 89 held-out images, the 1-NN two-sample accuracy / Fréchet distance / coverage):

* **8 one-row patches on 5 qubits with 2 ancillas**, depth 12 (480 angles) instead of 4 two-row
  bands on 5 qubits with 1 ancilla, depth 8 (160 angles, what the checkpoints shipped before this change had). One row per
  sub-generator halves what each circuit must paint, and post-selecting two ancillas instead of
  one is a stronger non-linearity (Huang et al.'s reason for ancillas). Alone (without the noise
  blocks below) it raised the precision (0.66 -> 0.83) and lowered the recall (0.66 -> 0.38).
* **two noise blocks** (``reupload=True, upload_every=6, noise_per_upload=True``): the noise is
  encoded before layer 0 and again, with 5 *new* angles, before layer 6 -- a 10-dimensional
  latent at the same qubit count and no extra parameter. With one 5-angle encoding the samples lie
  on a manifold too thin for the data (in the shipped zero checkpoint a sample's nearest generated
  neighbour is at a median pixel distance of 0.72, a real zero's nearest real one at 0.94), which
  is what the 1-NN test sees; the second block raises the recall (0.38 -> 0.88 on the zeros,
  1500 steps).
  Three blocks (12 angles on 4 qubits) pushed the two-sample accuracy to 0.88 but the precision
  down to 0.3 and the FD up to 90: more noise than the circuits can shape.
* **discriminator 64-128-32** instead of 64-64-16: with the wider latent the 64-16 critic let
  precision drop (FD 63 -> 51, two-sample unchanged, for 8 rows of 4 qubits with noise blocks);
  256-64 or two critic steps per generator step did not help further.

Two-sample accuracy / FD / coverage (median over seeds 0-2; the threes and fives were not used to
choose anything):

* zeros: old defaults (1500 steps) 0.990 / 47 / 0.62 -> these 0.900 / 31 / 0.71 (precision
  0.66 -> 0.68, recall 0.66 -> 0.94); the same generator after 1500 steps: 0.935 / 36 / 0.70;
* threes: 0.989 / 82 / 0.61 -> 0.871 / 31 / 0.90 (1500 steps: 0.900 / 36 / 0.85);
* fives: 0.964 / 88 / 0.66 -> 0.847 / 66 / 0.81 (1500 steps: 0.909 / 86 / 0.76);
* for scale, the classical MLP generator of 974 parameters (latent 5) on the zeros: 0.863 / 27 /
  0.81 with the old recipe (64-16 critic, 1500 steps), 0.828 / 19 / 0.86 with the 128-32 critic,
  0.800 / 19 / 0.87 with this whole recipe.

**3000 steps** instead of 1500: the new generator keeps improving (the three numbers above), the old
one did not (0.981 / 57 / 0.69 after 3000 steps on the zeros). About 55 CPU-seconds per run (one
thread) instead of 19. What did *not* help on the zeros:
trainable input scales of the encodings (``input_scaling``: the recall collapsed to 0.0-0.1 in
every variant), re-uploading the same 5 angles before every layer (FD 150-340), the learned output
maps, WGAN-GP; nor a third ancilla (6 qubits, 3 ancillas: 0.935 / 36 / 0.71 at 1500 steps, the
same as 2 ancillas at 1.5 times the cost) or depth 16 with blocks before layers 0 and 8 (0.946 / 30
/ 0.71 at 1500 steps). Classical MLP generators with the
same recipe: see the last bullet above and the ablation results (``classical 274`` and
``classical 974`` variants).

**The recipe** (earlier tuning with MMD², sigma 2, 178 generated vs the 178 real zeros; the
measurements are in ``qgan_helpers/results/patch_quality.json``, reproduced by
``benchmarks/bench_patch_quality.py``, for the old generator):

* **depth 8** instead of the demo's 6: with 6 layers even fitting the generator *directly* to the
  data (minimising MMD², no GAN) stalls near 0.07, with 8 it reaches 0.03; with all the other
  defaults, depth 6 ends at 0.067 (seed 0), depth 8 at 0.036.
* **R1 penalty** (gamma = 1) on the discriminator's input gradient at real images: without it the
  game oscillates and collapses (seed 0, constant learning rate: no stabiliser ends at 0.82, EMA
  alone at 0.69, R1 alone at 0.13, R1 + EMA at 0.066). A stronger penalty (gamma = 10) was
  worse on two of three seeds.
* **EMA** of the generator weights (decay 0.99): evaluation and the saved weights use the average,
  which removes most of the remaining step-to-step jitter.
* **cosine learning-rate decay** to 10 %: with a constant rate the curve creeps back up late in the
  run (R1 + EMA: from 0.039 to 0.083 in the second half); with the decay it stays flat.
* Adam (betas 0.5, 0.999), lr 0.01 for the circuit angles and 0.001 for the discriminator,
  batch 32, an MLP discriminator (LeakyReLU; the demo's 64-64-16 until the change above), initial
  angles ``0.5 * randn``.
* 1500 steps for the old generator (its MMD² curve is flat from ~1200 on); 3000 now, see above.

Design switches:

* ``reupload``, ``upload_every``, ``noise_per_upload``, ``input_scaling`` (False),
  ``input_scale_init`` (None), ``pixel_method`` ("max"; or "minmax", "threshold",
  "threshold_gain") and ``threshold_init`` (0.1, used by the learned maps) go to the generator, see
  :class:`~qgan_helpers.models.patch.PatchQuantumGenerator`. **The shipped checkpoints**
  (``qgan_helpers/checkpoints/patch_digit0_seed0.pt`` ...) were trained with the old generator: 5 qubits, 1
  ancilla, 4 sub-generators, depth 8, no re-uploading, discriminator 64-16 -- their stored
  config, not these defaults, describes them;
* ``loss`` ("non-saturating"; or "minimax", "wgan-gp"), ``gp_lambda`` (10.0) and ``d_steps`` (1)
  go to :func:`train_gan`. With ``loss="wgan-gp"`` the recipe's R1 penalty is dropped
  (``r1_gamma`` becomes 0 unless overridden -- and an explicit ``r1_gamma > 0`` is refused by
  :func:`train_gan`);
* ``classical_kind`` ("mlp") picks the baseline of ``classical=True``: ``"mlp"`` =
  :class:`~qgan_helpers.models.classical.ClassicalGenerator` (sigmoid pixels), ``"patch"`` =
  :class:`~qgan_helpers.models.classical.ClassicalPatchGenerator` (the same patches and output map as
  the quantum generator).
"""

CONDITIONAL_DEFAULTS: dict[str, Any] = {
    **PATCH_DEFAULTS,
    # the zeros' geometry (8 one-row patches, 2 ancillas, depth 12, 128-32 discriminator), one noise encoding
    "reupload": False,
    "upload_every": 1,
    "noise_per_upload": False,
    "label_layers": None,
    "label_init_scale": 0.5,
    "conditioning": "projection",
    "ema_decay": 0.995,
    "steps": 3000,
    "eval_every": 250,
    "sample_every": 250,
}
"""Defaults of ``python -m qgan_helpers train patch --conditional`` (all ten digits).

As :data:`PATCH_DEFAULTS` (5 qubits with 2 ancillas, 8 one-row sub-generators, depth 12, discriminator
128-32), but with the noise encoded once (the conditional generator has no noise blocks), plus: a
*projection* discriminator (Miyato & Koyama 2018; with the one-hot label merely concatenated to the
pixels the per-digit MMD² drifted upward after ~1500 steps and some digits fell below 80 % classifier
accuracy), EMA decay 0.995, and 3000 steps (about 70-80 CPU-seconds). The label enters the circuit
through per-class angle offsets in every layer (:class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator`
with ``label_layers = depth + 1``). Until December 2026 it kept the older, smaller generator (4
sub-generators, 1 ancilla, depth 8, discriminator 64-16); over seeds 0-2 its weakest digit was
recognised 59-65 % of the time, against 78-95 % for this one (``qgan_helpers/results/patch_quality.json``).
"""



CLASSICAL_KINDS: tuple[str, ...] = ("mlp", "patch")
"""Baselines of ``train_patch_qgan(classical=True)`` (the setting ``classical_kind``)."""


def _classical_baseline(
    quantum: nn.Module, kind: str, seed: int, budget: int | None = None
) -> tuple[nn.Module, str, dict[str, Any]]:
    """The classical baseline of a patch quantum generator, with at most its parameter count
    (or at most ``budget`` parameters, for the budget curve), reading noise of the quantum
    generator's ``latent_dim`` (the MLP's own standard-normal noise; the patch twin's angles).

    Returns
    -------
    (generator, class name, constructor kwargs for the checkpoint config)
    """
    from qgan_helpers.models import ClassicalGenerator, ClassicalPatchGenerator
    from qgan_helpers.seeding import seed_everything

    seed_everything(seed)
    if budget is not None:
        budget = validation.positive_int("classical_budget", budget)
    if kind == "patch":
        twin = (ClassicalPatchGenerator.matching(quantum) if budget is None else ClassicalPatchGenerator.with_budget(
            budget, quantum.n_qubits, quantum.n_ancillas, quantum.n_generators, quantum.n_pixels,
            quantum.pixel_method, quantum.pixel_map.threshold_init, latent_dim=quantum.latent_dim))
        kwargs = {
            "n_qubits": twin.n_qubits, "n_ancillas": twin.n_ancillas, "n_generators": twin.n_generators,
            "n_pixels": twin.n_pixels, "hidden": list(twin.hidden), "output_bias": twin.output_bias,
            "pixel_method": twin.pixel_method, "threshold_init": twin.pixel_map.threshold_init,
            "latent_dim": twin.latent_dim,
        }
        return twin, "ClassicalPatchGenerator", kwargs
    if budget is None:
        budget = int(sum(p.numel() for p in quantum.parameters() if p.requires_grad))
    mlp = ClassicalGenerator.with_budget(budget, quantum.latent_dim, quantum.n_pixels)
    kwargs = {
        "latent_dim": mlp.latent_dim, "n_pixels": mlp.n_pixels, "hidden": list(mlp.hidden),
        "rank": mlp.rank, "output_bias": mlp.output_bias,
    }
    return mlp, "ClassicalGenerator", kwargs


def train_patch_qgan(
    digit: int | None = 0,
    *,
    conditional: bool = False,
    seed: int = 0,
    classical: bool = False,
    progress: bool = True,
    callbacks: Sequence[Callback] | None = None,
    **overrides: Any,
) -> Checkpoint:
    """Train the course's patch QGAN on the bundled 8x8 digits with the default settings.

    Unconditional (``digit=d``): a :class:`~qgan_helpers.models.patch.PatchQuantumGenerator` against
    an :class:`~qgan_helpers.models.discriminators.MLPDiscriminator` on the **training** images of digit
    ``d`` (89 zeros), monitored by MMD² (median-heuristic width) and the two-sample accuracy against
    the **held-out** images of ``d``, which it never trains on. Conditional (``conditional=True``): a
    :class:`~qgan_helpers.models.conditional.ConditionalPatchGenerator` and a conditional MLP on the 901
    training digits, monitored per class against the held-out digits by MMD², the two-sample
    accuracy and the course's classifier. ``classical_budget`` (with ``classical=True``) sets the
    baseline's parameter budget instead of the quantum generator's (for budget curves). ``classical=True`` swaps the
    generator for a classical one with at most as many parameters as the quantum one (a
    :class:`~qgan_helpers.models.classical.ClassicalGenerator`, or with ``classical_kind="patch"`` a
    :class:`~qgan_helpers.models.classical.ClassicalPatchGenerator`), trained with exactly the same
    budget (steps, batch, learning rates, discriminator, stabilisers) -- the baseline.

    Parameters
    ----------
    digit : int or None
        The digit to learn (unconditional); ignored (use ``None``) when ``conditional``.
    conditional : bool
    seed : int
        Seeds the weights (:func:`qgan_helpers.seeding.seed_everything`), the batch order and the noise.
    classical : bool
        Train the classical baseline instead (unconditional only).
    progress : bool
    callbacks : sequence of Callback, optional
        Passed on to :func:`~qgan_helpers.training.train_gan` (after the run's own sample grid), e.g.
        to watch a run as it trains.
    **overrides
        Any key of :data:`PATCH_DEFAULTS` / :data:`CONDITIONAL_DEFAULTS`, e.g. ``loss="wgan-gp"``,
        ``d_steps=5``, ``reupload=True``, ``pixel_method="threshold"``.

    Returns
    -------
    Checkpoint
        Generator, config (enough to rebuild it), history and a provenance dict (without the command);
        see :func:`~qgan_helpers.training.recipe.run_recipe`, which runs the recipe's steps.

    Examples
    --------
    A short run with two of the design switches (a few seconds)::

        ck = train_patch_qgan(0, seed=0, progress=False, steps=300, pixel_method="threshold", reupload=True)
        ck.generator.pixel_map.thresholds     # the learned black level of each patch
    """
    settings, digit = _patch_settings(digit, conditional, classical, overrides)
    if conditional:
        return run_recipe(lambda: _conditional_setup(settings), settings, seed=seed, progress=progress,
                          callbacks=callbacks)
    return run_recipe(lambda: _digit_setup(settings, digit, classical, seed), settings, seed=seed, progress=progress,
                      callbacks=callbacks)


def _patch_settings(
    digit: int | None, conditional: bool, classical: bool, overrides: dict[str, Any]
) -> tuple[dict[str, Any], int | None]:
    """The merged settings of a patch run and the checked digit (None when conditional)."""
    settings = merge_settings(CONDITIONAL_DEFAULTS if conditional else PATCH_DEFAULTS, overrides)
    if settings["loss"] == "wgan-gp" and "r1_gamma" not in overrides:
        settings["r1_gamma"] = 0.0  # the gradient penalty replaces R1 (train_gan refuses both)
    if settings["classical_kind"] not in CLASSICAL_KINDS:
        raise ValueError(f"classical_kind: expected one of {list(CLASSICAL_KINDS)}, got {settings['classical_kind']!r}")
    if conditional:
        if classical:
            raise ValueError("classical: the classical baseline is unconditional; expected classical=False with conditional=True")
        return settings, None
    return settings, validation.integer("digit", digit, 0, 9)


def _generator_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments both patch generators share."""
    return {
        "n_qubits": int(settings["n_qubits"]),
        "n_ancillas": int(settings["n_ancillas"]),
        "depth": int(settings["depth"]),
        "n_generators": int(settings["n_generators"]),
        "n_pixels": 64,
        "init_scale": float(settings["init_scale"]),
        "reupload": settings["reupload"],
        "pixel_method": settings["pixel_method"],
        "threshold_init": settings["threshold_init"],
    }


def _encoding_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """How the unconditional generator encodes its noise (the conditional one encodes it once, plainly)."""
    return {
        "upload_every": settings["upload_every"],
        "input_scaling": settings["input_scaling"],
        "input_scale_init": settings["input_scale_init"],
        "noise_per_upload": settings["noise_per_upload"],
    }


def _patch_config(digit: int | None, n_classes: int) -> dict[str, Any]:
    return {"image_shape": [8, 8], "digit": digit, "n_classes": n_classes}


def _digit_setup(settings: dict[str, Any], digit: int, classical: bool, seed: int) -> RecipeSetup:
    """One digit: the patch generator (or its classical baseline) against an MLP on the digit's training images."""
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.models import PatchQuantumGenerator
    from qgan_helpers.models.discriminators import MLPDiscriminator

    images, _ = load_digits_tensors(int(digit), split="train")
    held, _ = load_digits_tensors(int(digit), split="heldout")
    eval_fn = mmd_evaluator(held, labels=int(digit), classifier=True, two_sample=True)
    kwargs = {**_generator_kwargs(settings), **_encoding_kwargs(settings)}
    quantum = PatchQuantumGenerator(**kwargs)
    if classical:
        generator, gen_class, kwargs = _classical_baseline(
            quantum, str(settings["classical_kind"]), seed, settings["classical_budget"]
        )
    else:
        generator, gen_class = quantum, "PatchQuantumGenerator"
    return RecipeSetup(
        kind="classical" if classical else "patch",
        generator=generator,
        generator_entry={"class": gen_class, "kwargs": kwargs},
        discriminator=MLPDiscriminator(hidden=tuple(settings["hidden"])),
        real_data=images,
        eval_fn=eval_fn,
        desc=f"{'classical' if classical else 'patch QGAN'} (digit {digit})",
        config=_patch_config(digit, 0),
        provenance={"digit": digit, "conditional": False},
    )


def _conditional_setup(settings: dict[str, Any]) -> RecipeSetup:
    """All ten digits: the conditional patch generator against a conditional MLP on the training digits."""
    from qgan_helpers.data import load_digits_tensors
    from qgan_helpers.models import ConditionalPatchGenerator
    from qgan_helpers.models.discriminators import MLPDiscriminator

    plain = {"upload_every": 1, "input_scaling": False, "input_scale_init": None, "noise_per_upload": False}
    changed = sorted(k for k, v in _encoding_kwargs(settings).items() if v != plain[k])
    if changed:
        raise ValueError(
            f"{changed[0]}: the conditional generator has no {', '.join(changed)} option; "
            f"expected {plain[changed[0]]!r}, got {settings[changed[0]]!r}"
        )
    images, labels = load_digits_tensors(split="train")
    held, held_labels = load_digits_tensors(split="heldout")
    kwargs = {
        **_generator_kwargs(settings),
        "n_classes": 10,
        "label_layers": None if settings["label_layers"] is None else int(settings["label_layers"]),
        "label_init_scale": float(settings["label_init_scale"]),
    }
    generator = ConditionalPatchGenerator(**kwargs)
    eval_fn = mmd_evaluator(held, labels=held_labels, classifier=True, two_sample=True)
    discriminator = MLPDiscriminator(
        hidden=tuple(settings["hidden"]), n_classes=10, conditioning=str(settings["conditioning"])
    )
    return RecipeSetup(
        kind="conditional_patch",
        generator=generator,
        generator_entry={"class": "ConditionalPatchGenerator", "kwargs": kwargs},
        discriminator=discriminator,
        real_data=(images, labels),
        eval_fn=eval_fn,
        desc="patch QGAN (conditional)",
        config=_patch_config(None, 10),
        provenance={"digit": None, "conditional": True},
        conditional=True,
        grid_size=20,
    )
