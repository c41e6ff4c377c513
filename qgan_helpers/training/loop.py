"""The training loop: :func:`train_gan`, one loop for all the course's GANs.

:func:`train_gan` reads as the outline of the algorithm: check the arguments
(:mod:`~qgan_helpers.training.options`), set up the game (:mod:`~qgan_helpers.training.game`: the
optimisers, schedules, EMA and batches), then for each step play it, record it, evaluate every few
steps and call the callbacks; at the end the EMA weights are loaded into the generator. The watching
-- evaluation and callbacks on the weights to look at -- is :class:`_Watch`; the progress bar is
``tqdm`` on stderr.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from qgan_helpers.training.game import Game, StepRecord
from qgan_helpers.training.history import Callback, History
from qgan_helpers.training.options import TrainOptions, check_options

__all__ = ["train_gan"]


def train_gan(
    generator: nn.Module,
    discriminator: nn.Module,
    real_data: Any,
    *,
    steps: int,
    batch_size: int = 32,
    lr_g: float = 0.01,
    lr_d: float = 0.001,
    betas: tuple[float, float] = (0.5, 0.999),
    latent_dim: int | None = None,
    noise: str | Callable[[int, torch.Generator], torch.Tensor] = "auto",
    conditional: bool = False,
    loss: str = "non-saturating",
    label_smoothing: float = 0.0,
    ema_decay: float | None = None,
    lr_schedule: str = "constant",
    lr_final_fraction: float = 0.1,
    d_steps: int = 1,
    r1_gamma: float = 0.0,
    gp_lambda: float = 10.0,
    aux_weight: float = 0.0,
    callbacks: Sequence[Callback] = (),
    eval_fn: Callable[[nn.Module], Mapping[str, float]] | None = None,
    eval_every: int = 50,
    seed: int = 0,
    progress: bool = True,
    desc: str = "training",
) -> History:
    r"""Train a GAN: alternate a discriminator step and a generator step, ``steps`` times.

    Each step draws a batch of real images (epochs of a seeded shuffle) and a batch of noise, then

    1. **discriminator** (``d_steps`` times): minimise
       :math:`-\log D(x) - \log(1 - D(G(z)))` (binary cross-entropy on logits), with the real target
       ``1 - label_smoothing`` (one-sided label smoothing);
    2. **generator**: minimise :math:`-\log D(G(z))` (``loss="non-saturating"``) or
       :math:`\log(1 - D(G(z)))` (``loss="minimax"``).

    With ``loss="wgan-gp"`` (Gulrajani et al. 2017) the discriminator is a *critic* whose outputs
    are scores: it minimises :math:`\mathbb{E}D(G(z)) - \mathbb{E}D(x) + \lambda\,
    \mathbb{E}(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2` with ``lambda = gp_lambda`` and
    :math:`\hat x = \epsilon x + (1 - \epsilon) G(z)`, :math:`\epsilon \sim U[0, 1)` per image
    (drawn from the loop's seeded generator), and the generator minimises
    :math:`-\mathbb{E}D(G(z))`. The paper takes ``d_steps=5`` critic updates per generator
    update and Adam with ``betas=(0.0, 0.9)``; pass them explicitly. A conditional critic gets the
    batch's labels for the real, the fake and the interpolated images alike. Neither one-sided
    label smoothing (there are no targets) nor the R1 penalty (the gradient penalty already
    constrains the input gradient, towards norm 1 where R1 pulls towards 0) combine with it:
    ``label_smoothing > 0`` or ``r1_gamma > 0`` raise a ``ValueError``.

    Both use Adam. Optional stabilisers: ``ema_decay`` keeps an exponential moving average of the
    generator weights -- evaluation and callbacks see the average, and **at the end the average is
    loaded into** ``generator``; ``lr_schedule`` decays both learning rates to
    ``lr_final_fraction`` of their start.

    Parameters
    ----------
    generator : torch.nn.Module
        ``generator(z)`` (or ``generator(z, labels)`` when ``conditional``) -> ``(B, n_pixels)``.
    discriminator : torch.nn.Module
        ``discriminator(x)`` (or ``discriminator(x, labels)``) -> logits ``(B,)``.
    real_data : array or tensor (N, ...), or a pair (images, labels), or an object with ``.images`` and ``.labels``
        The training images (flattened to ``(N, n_pixels)`` internally); labels for ``conditional``.
    steps : int
        Number of training steps (one step = one D update (or ``d_steps``) + one G update).
    batch_size : int
        Real and fake images per step.
    lr_g, lr_d : float
        Adam learning rates of generator and discriminator.
    betas : (float, float)
        Adam's betas for both optimisers.
    latent_dim : int, optional
        Noise dimension; defaults to ``generator.latent_dim`` or ``generator.n_qubits``.
    noise : {"auto", "angle", "uniform", "normal"} or callable
        The latent distribution (see :func:`sample_noise`), or ``f(n, torch_generator) -> (n, latent_dim)``.
    conditional : bool
        Train a class-conditional pair: fakes get the real batch's labels.
    loss : {"non-saturating", "minimax", "wgan-gp"}
        See :data:`LOSSES`.
    label_smoothing : float in [0, 1)
        Real target ``1 - label_smoothing`` for the discriminator.
    ema_decay : float in [0, 1), optional
        Decay of the generator-weight moving average (e.g. 0.98); ``None`` = off.
    lr_schedule : {"constant", "linear", "cosine"}
    lr_final_fraction : float in [0, 1]
        Learning rate at the end of a decaying schedule, as a fraction of the start.
    d_steps : int
        Discriminator updates per generator update.
    r1_gamma : float
        Weight of the R1 gradient penalty :math:`\frac{\gamma}{2}\,\mathbb{E}\lVert\nabla_x D(x)\rVert^2` on
        real images (Mescheder et al. 2018): it stops the discriminator from growing steep around
        the data, which damps the oscillations of the game. 0 = off. Must be 0 with ``loss="wgan-gp"``.
    gp_lambda : float
        Weight :math:`\lambda > 0` of the gradient penalty of ``loss="wgan-gp"`` (10 in the paper);
        checked always, used only by that loss.
    aux_weight : float
        Weight of an auxiliary classification loss (AC-GAN, Odena et al. 2017), for a conditional
        run whose discriminator has ``class_logits(x) -> (B, n_classes)`` (e.g.
        ``MLPDiscriminator(aux_classifier=True)``): the discriminator also minimises the
        cross-entropy of its class prediction on the **real** images, and the generator that of
        its fakes with the labels they were drawn for. Training the classifier on real images only
        keeps it from learning the generator's own mistakes. 0 = off.
    callbacks : sequence of Callback
    eval_fn : callable, optional
        ``eval_fn(generator) -> {name: value}``, run before training, every ``eval_every`` steps and
        after the last step (e.g. :func:`mmd_evaluator`); its time is reported in ``History.eval_time``.
    eval_every : int
    seed : int
        Seed of the batch order and the noise (weights are initialised by the caller).
    progress : bool
        Show a ``tqdm.auto`` progress bar on stderr.
    desc : str
        Label of the progress bar.

    Returns
    -------
    History
        ``d_real`` / ``d_fake`` hold probabilities for the cross-entropy losses and critic scores
        for ``"wgan-gp"`` (see :class:`History`).

    Examples
    --------
    >>> from qgan_helpers.models.discriminators import MLPDiscriminator
    >>> g = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.Sigmoid())
    >>> h = train_gan(g, MLPDiscriminator(), torch.rand(40, 8, 8), steps=3, latent_dim=5, progress=False)
    >>> len(h.loss_d)
    3
    >>> h = train_gan(g, MLPDiscriminator(), torch.rand(40, 8, 8), steps=2, latent_dim=5, progress=False,
    ...               loss="wgan-gp", gp_lambda=10.0, d_steps=5, betas=(0.0, 0.9))
    >>> h.settings["loss"], h.settings["d_steps"], len(h.d_real)
    ('wgan-gp', 5, 2)
    """
    options = check_options(
        generator, discriminator, real_data, steps=steps, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d, betas=betas,
        latent_dim=latent_dim, noise=noise, conditional=conditional, loss=loss, label_smoothing=label_smoothing,
        ema_decay=ema_decay, lr_schedule=lr_schedule, lr_final_fraction=lr_final_fraction, d_steps=d_steps,
        r1_gamma=r1_gamma, gp_lambda=gp_lambda, aux_weight=aux_weight, callbacks=callbacks, eval_fn=eval_fn, eval_every=eval_every,
        seed=seed, progress=progress, desc=desc,
    )
    game = Game(generator, discriminator, options)
    history = History(settings=options.settings(generator, discriminator))
    start, cpu_start = time.perf_counter(), time.process_time()
    watch = _Watch(game, history)
    last = watch.evaluate(0)
    watch.notify("on_train_begin")
    generator.train()
    discriminator.train()
    bar = _progress_bar(options)
    try:
        for step in range(1, options.steps + 1):
            record = game.step(step)
            _record(history, step, record)
            if step % options.eval_every == 0 or step == options.steps:
                last = watch.evaluate(step) or last
            watch.notify("on_step", step)
            bar.update(1)
            if step % 10 == 0 or step == options.steps:
                _show_progress(bar, record, last)
    finally:
        bar.close()
    game.finish()
    watch.notify("on_train_end", averaged=False)
    generator.eval()
    history.wall_time = time.perf_counter() - start
    history.cpu_time = time.process_time() - cpu_start
    return history


@contextlib.contextmanager
def _swapped(module: nn.Module, state: dict[str, torch.Tensor] | None) -> Iterator[nn.Module]:
    """Temporarily load ``state`` (e.g. EMA weights) into ``module``; eval mode and no gradients inside."""
    was_training = module.training
    backup = None
    if state is not None:
        backup = {k: v.detach().clone() for k, v in module.state_dict().items()}
        module.load_state_dict(state)
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        if backup is not None:
            module.load_state_dict(backup)
        module.train(was_training)


class _Watch:
    """Evaluation and callbacks, on the generator to look at: the EMA weights when EMA is on, in eval mode."""

    def __init__(self, game: Game, history: History) -> None:
        self.game, self.history = game, history

    def evaluate(self, step: int) -> dict[str, float]:
        """Run ``eval_fn`` (if any) and record its metrics at ``step``; return them ({} without ``eval_fn``)."""
        eval_fn = self.game.options.eval_fn
        if eval_fn is None:
            return {}
        t0 = time.perf_counter()
        with _swapped(self.game.generator, self.game.ema) as g:
            values = dict(eval_fn(g))
        self.history.eval_time += time.perf_counter() - t0
        self.history.eval_step.append(step)
        for k, v in values.items():
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"eval_fn: metric {k!r} is not finite ({v}) at step {step}")
            self.history.metrics.setdefault(k, []).append(v)
        return dict(values)

    def notify(self, hook: str, *args: Any, averaged: bool = True) -> None:
        """Call ``hook`` (``"on_train_begin"``, ``"on_step"``, ``"on_train_end"``) of every callback.

        ``averaged=False`` shows the generator's own weights (after training, when they are the EMA).
        """
        for callback in self.game.options.callbacks:
            with _swapped(self.game.generator, self.game.ema if averaged else None) as g:
                getattr(callback, hook)(*args, g, self.history)


def _record(history: History, step: int, record: StepRecord) -> None:
    history.step.append(step)
    history.loss_d.append(record.loss_d)
    history.loss_g.append(record.loss_g)
    history.d_real.append(record.d_real)
    history.d_fake.append(record.d_fake)


def _progress_bar(options: TrainOptions) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=options.steps, desc=options.desc, file=sys.stderr, disable=not options.progress, leave=True,
                mininterval=0.5)


def _show_progress(bar: Any, record: StepRecord, last: Mapping[str, float]) -> None:
    """The bar's postfix: the step's losses and up to two of the last evaluation's metrics."""
    post = {"loss_d": f"{record.loss_d:.3f}", "loss_g": f"{record.loss_g:.3f}"}
    shown = [k for k in ("mmd2", "min_accuracy", "accuracy") if k in last][:2] or list(last)[:2]
    post.update({k: f"{last[k]:.4f}" for k in shown})
    bar.set_postfix(post, refresh=False)
