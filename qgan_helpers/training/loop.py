"""The training loop: :func:`train_gan`, one loop for all the course's GANs.

Each step draws a batch of real images and a batch of noise, updates the discriminator (or
critic) and then the generator, with optional stabilisers (one-sided label smoothing, an R1
penalty, an exponential moving average of the generator's weights, a learning-rate schedule),
evaluates every few steps and calls the callbacks; everything lands in a
:class:`~qgan_helpers.training.History`.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.training.history import Callback, History, check_callbacks
from qgan_helpers.training.jsonable import to_plain
from qgan_helpers.training.losses import (
    check_loss_options,
    d_summary,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    r1_penalty,
)
from qgan_helpers.training.noise import (
    NOISE_KINDS,
    call_generator,
    check_module,
    is_conditional,
    latent_dim_of,
    sample_noise,
)

__all__ = ["train_gan"]


def _real_data(real_data: Any, conditional: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    labels = None
    if hasattr(real_data, "images") and hasattr(real_data, "labels"):
        images, labels = real_data.images, real_data.labels
    elif isinstance(real_data, (tuple, list)) and len(real_data) == 2:
        images, labels = real_data
    else:
        images = real_data
    try:
        images = torch.as_tensor(np.asarray(images.cpu() if isinstance(images, torch.Tensor) else images), dtype=torch.float32)
    except (TypeError, ValueError):
        raise TypeError(f"real_data: expected images (N, ...) or a pair (images, labels), got {type(real_data).__name__}") from None
    if images.ndim < 2 or images.shape[0] < 1:
        raise ValueError(f"real_data: expected images of shape (N, ...) with N >= 1, got {tuple(images.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("real_data: expected finite pixel values, got NaN or infinity")
    images = images.reshape(images.shape[0], -1)
    if conditional:
        if labels is None:
            raise ValueError("real_data: conditional=True needs a pair (images, labels)")
        labels = torch.as_tensor(np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels))
        if labels.shape != (images.shape[0],) or labels.dtype.is_floating_point:
            raise ValueError(f"real_data: expected integer labels of shape ({images.shape[0]},), got {tuple(labels.shape)} {labels.dtype}")
        labels = labels.long()
    else:
        labels = None
    return images, labels


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


def _lr_lambda(schedule: str, steps: int, final_fraction: float) -> Callable[[int], float]:
    if schedule == "constant":
        return lambda i: 1.0
    if schedule == "linear":
        return lambda i: 1.0 - (1.0 - final_fraction) * min(i, steps) / steps
    if schedule == "cosine":
        return lambda i: final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps))
    raise ValueError(f"lr_schedule: expected 'constant', 'linear' or 'cosine', got {schedule!r}")


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
    from tqdm.auto import tqdm

    check_module("generator", generator)
    check_module("discriminator", discriminator)
    steps = validation.positive_int("steps", steps)
    batch_size = validation.positive_int("batch_size", batch_size)
    lr_g = validation.positive_number("lr_g", lr_g)
    lr_d = validation.positive_number("lr_d", lr_d)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"betas: expected a pair of numbers in [0, 1), got {betas!r}")
    betas = tuple(validation.number("betas", b, 0, 1, high_open=True) for b in betas)
    label_smoothing = validation.number("label_smoothing", label_smoothing, 0, 1, high_open=True)
    loss, gp_lambda, r1_gamma = check_loss_options(loss, gp_lambda, r1_gamma, label_smoothing)
    if ema_decay is not None:
        ema_decay = validation.number("ema_decay", ema_decay, 0, 1, high_open=True)
    lr_final_fraction = validation.number("lr_final_fraction", lr_final_fraction, 0, 1)
    lr_lambda = _lr_lambda(lr_schedule, steps, lr_final_fraction)
    d_steps = validation.positive_int("d_steps", d_steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    seed = validation.seed(seed)
    check_callbacks(callbacks)
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError(f"eval_fn: expected a callable eval_fn(generator) -> dict, got {type(eval_fn).__name__}")
    if conditional and not is_conditional(generator):
        raise ValueError("conditional: the generator has no n_classes attribute > 0; it cannot take labels")
    images, labels = _real_data(real_data, bool(conditional))
    n_real = images.shape[0]
    if batch_size > n_real:
        raise ValueError(f"batch_size: expected at most {n_real} (the number of real images), got {batch_size}")

    if callable(noise):
        dim = latent_dim
        noise_fn = noise
        noise_name = getattr(noise, "__qualname__", "callable")
    else:
        if noise not in NOISE_KINDS:
            raise ValueError(f"noise: expected one of {list(NOISE_KINDS)} or a callable, got {noise!r}")
        dim = latent_dim_of(generator, latent_dim)
        noise_fn = lambda n, rng: sample_noise(n, dim, noise, generator=rng, model=generator)  # noqa: E731
        noise_name = noise

    rng = torch.Generator().manual_seed(int(seed))
    opt_g = torch.optim.Adam([p for p in generator.parameters() if p.requires_grad], lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam([p for p in discriminator.parameters() if p.requires_grad], lr=lr_d, betas=betas)
    sched = [torch.optim.lr_scheduler.LambdaLR(o, lr_lambda) for o in (opt_g, opt_d)]
    ema: dict[str, torch.Tensor] | None = None
    if ema_decay is not None:
        ema = {k: v.detach().clone() for k, v in generator.state_dict().items()}

    history = History()
    history.settings = to_plain(
        dict(
            steps=steps, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d, betas=list(betas), latent_dim=dim,
            noise=noise_name, conditional=bool(conditional), loss=loss, label_smoothing=label_smoothing,
            ema_decay=ema_decay, lr_schedule=lr_schedule, lr_final_fraction=lr_final_fraction, d_steps=d_steps,
            r1_gamma=r1_gamma, gp_lambda=gp_lambda,
            eval_every=eval_every, seed=int(seed), generator=type(generator).__name__,
            discriminator=type(discriminator).__name__, torch_threads=torch.get_num_threads(),
        )
    )
    start, cpu_start = time.perf_counter(), time.process_time()

    def run_eval(step: int) -> dict[str, float]:
        if eval_fn is None:
            return {}
        t0 = time.perf_counter()
        with _swapped(generator, ema) as g:
            values = dict(eval_fn(g))
        history.eval_time += time.perf_counter() - t0
        history.eval_step.append(step)
        for k, v in values.items():
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"eval_fn: metric {k!r} is not finite ({v}) at step {step}")
            history.metrics.setdefault(k, []).append(v)
        return values

    order = torch.randperm(n_real, generator=rng)
    cursor = 0

    def next_batch() -> tuple[torch.Tensor, torch.Tensor | None]:
        nonlocal order, cursor
        if cursor + batch_size > n_real:
            order, cursor = torch.randperm(n_real, generator=rng), 0
        idx = order[cursor : cursor + batch_size]
        cursor += batch_size
        return images[idx], (None if labels is None else labels[idx])

    def fake_batch(lab: torch.Tensor | None) -> torch.Tensor:
        z = noise_fn(batch_size, rng)
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != batch_size:
            raise ValueError(f"noise: expected a tensor of shape ({batch_size}, latent_dim), got {getattr(z, 'shape', z)!r}")
        out = call_generator(generator, z, lab)
        if out.shape[1] != images.shape[1]:
            raise ValueError(
                f"generator: expected {images.shape[1]} pixels per image (like real_data), got {out.shape[1]}"
            )
        return out

    def d_logits(x: torch.Tensor, lab: torch.Tensor | None) -> torch.Tensor:
        out = discriminator(x) if lab is None else discriminator(x, lab)
        if not isinstance(out, torch.Tensor) or out.shape != (x.shape[0],):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"discriminator: expected logits of shape ({x.shape[0]},), got {shape}")
        return out

    last: dict[str, float] = dict(run_eval(0))
    for cb in callbacks:
        with _swapped(generator, ema) as g:
            cb.on_train_begin(g, history)
    generator.train()
    discriminator.train()
    bar = tqdm(total=steps, desc=desc, file=sys.stderr, disable=not progress, leave=True, mininterval=0.5)
    try:
        for step in range(1, steps + 1):
            real, lab = next_batch()
            fake = fake_batch(lab)
            for k in range(d_steps):
                if k > 0:
                    real, lab = next_batch()
                    with torch.no_grad():
                        fake_d = fake_batch(lab)
                else:
                    fake_d = fake.detach()
                if r1_gamma > 0:
                    real = real.detach().requires_grad_(True)
                lr_real = d_logits(real, lab)
                lr_fake = d_logits(fake_d, lab)
                loss_d = discriminator_loss(loss, lr_real, lr_fake, label_smoothing)
                if r1_gamma > 0:
                    loss_d = loss_d + r1_penalty(lr_real, real, r1_gamma)
                if loss == "wgan-gp":
                    loss_d = loss_d + gp_lambda * gradient_penalty(d_logits, real, fake_d, lab, rng)
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
            loss_g = generator_loss(loss, d_logits(fake, lab))
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            for s in sched:
                s.step()
            if ema is not None:
                with torch.no_grad():
                    for k, v in generator.state_dict().items():
                        if v.dtype.is_floating_point:
                            ema[k].mul_(ema_decay).add_(v.detach(), alpha=1 - ema_decay)
                        else:
                            ema[k].copy_(v)
            ld, lg = float(loss_d.detach()), float(loss_g.detach())
            if not (math.isfinite(ld) and math.isfinite(lg)):
                raise FloatingPointError(f"training diverged at step {step}: loss_d={ld}, loss_g={lg}")
            history.step.append(step)
            history.loss_d.append(ld)
            history.loss_g.append(lg)
            history.d_real.append(d_summary(loss, lr_real))
            history.d_fake.append(d_summary(loss, lr_fake))
            if step % eval_every == 0 or step == steps:
                last = dict(run_eval(step)) or last
            for cb in callbacks:
                with _swapped(generator, ema) as g:
                    cb.on_step(step, g, history)
            bar.update(1)
            if step % 10 == 0 or step == steps:
                post = {"loss_d": f"{ld:.3f}", "loss_g": f"{lg:.3f}"}
                shown = [k for k in ("mmd2", "min_accuracy", "accuracy") if k in last][:2] or list(last)[:2]
                post.update({k: f"{last[k]:.4f}" for k in shown})
                bar.set_postfix(post, refresh=False)
    finally:
        bar.close()
    if ema is not None:
        generator.load_state_dict(ema)
    for cb in callbacks:
        with _swapped(generator, None) as g:
            cb.on_train_end(g, history)
    generator.eval()
    history.wall_time = time.perf_counter() - start
    history.cpu_time = time.process_time() - cpu_start
    return history
