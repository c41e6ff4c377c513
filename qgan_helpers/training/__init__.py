"""One training loop for all the course's GANs, its history, callbacks, checkpoints and recipes.

Where each idea lives:

* :mod:`.loop` -- :func:`train_gan`: the minimax game with the non-saturating generator loss (or
  the original minimax loss, or the Wasserstein loss with gradient penalty, ``loss="wgan-gp"``), a
  ``tqdm`` progress bar (on stderr), optional stabilisers (one-sided label smoothing, an R1 penalty,
  an exponential moving average of the generator weights, a learning-rate schedule);
* :mod:`.losses` -- the games (:data:`LOSSES`), the players' losses and the gradient penalties;
* :mod:`.history` -- the :class:`History` of losses per step and metrics at evaluation steps, and
  the callbacks (:class:`Callback`, :class:`SampleGridCallback`);
* :mod:`.evaluators` -- :func:`mmd_evaluator`, an ``eval_fn`` for :func:`train_gan` that records MMD²
  (and, for conditional generators, per-class MMD² and classifier accuracy) during training;
* :mod:`.checkpoints` -- :func:`save_checkpoint`, :func:`load_checkpoint`, :func:`load_or_train`:
  ``PATH.pt`` holds the weights, the configuration and the history as plain tensors/lists/dicts
  (``torch.load(..., weights_only=True)`` reads it); ``PATH.json`` beside it holds the provenance:
  the command, seed, steps, wall time, final metrics and package versions
  (:func:`qgan_helpers.provenance.package_versions`);
* :mod:`.patch_recipe` -- :func:`train_patch_qgan` with :data:`PATCH_DEFAULTS` /
  :data:`CONDITIONAL_DEFAULTS`: the course's default patch-QGAN runs on the digits (what
  ``python -m qgan_helpers train patch`` executes), and the classical baseline of equal parameter
  count trained with the same budget;
* :mod:`.recipe` -- the one mechanism every named run (the patch recipe here, the hybrid recipe in
  :mod:`qgan_helpers.hybrid`) goes through: :func:`merge_settings` (defaults + overrides), then
  :func:`run_recipe` (seed, build a :class:`RecipeSetup`, :func:`train_gan` with the recipe's sample
  grid and the caller's callbacks, a :class:`Checkpoint` with config and provenance);
* :mod:`.options` and :mod:`.game` -- :func:`train_gan`'s parts: its arguments checked once, and
  one step of the game (batches, the discriminator's and the generator's updates, the EMA);
* :mod:`.jsonable` -- plain JSON values of settings and provenance.

Speed tip: these models are tiny, so one torch thread (``torch.set_num_threads(1)``) is usually the
fastest setting, and it is what the command line uses.

Conventions: discriminators return logits (see :mod:`qgan_helpers.models.discriminators`); generators map
noise of shape ``(B, latent_dim)`` (and, if conditional, integer labels of shape ``(B,)``) to
images of shape ``(B, n_pixels)`` with values in ``[0, 1]``.

Every public name is re-exported here: ``from qgan_helpers.training import train_gan`` works. So are
the three names a training run uses from lower layers: :func:`sample_noise`, :func:`generate` and
:data:`NOISE_KINDS` (from :mod:`qgan_helpers.models.sampling`: drawing from a generator is the
model's business, and the image measures use it without the training loop) and
:func:`package_versions` (from :mod:`qgan_helpers.provenance`).
"""

from qgan_helpers.models.sampling import NOISE_KINDS, generate, sample_noise
from qgan_helpers.training.checkpoints import (
    CHECKPOINTS_DIR,
    Checkpoint,
    load_checkpoint,
    load_or_train,
    package_versions,
    save_checkpoint,
)
from qgan_helpers.training.evaluators import mmd_evaluator
from qgan_helpers.training.history import Callback, History, SampleGridCallback
from qgan_helpers.training.loop import train_gan
from qgan_helpers.training.losses import LOSSES
from qgan_helpers.training.patch_recipe import CLASSICAL_KINDS, CONDITIONAL_DEFAULTS, PATCH_DEFAULTS, train_patch_qgan
from qgan_helpers.training.recipe import RecipeSetup, merge_settings, run_recipe

__all__ = [
    "NOISE_KINDS",
    "LOSSES",
    "History",
    "Callback",
    "SampleGridCallback",
    "sample_noise",
    "generate",
    "mmd_evaluator",
    "train_gan",
    "Checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "load_or_train",
    "package_versions",
    "CHECKPOINTS_DIR",
    "PATCH_DEFAULTS",
    "CONDITIONAL_DEFAULTS",
    "CLASSICAL_KINDS",
    "train_patch_qgan",
    "RecipeSetup",
    "merge_settings",
    "run_recipe",
]
