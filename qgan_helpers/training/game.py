"""One step of the game: a real batch, fakes, the discriminator's update(s), the generator's update.

:class:`Game` holds what persists from step to step -- the two players, their Adam optimisers and
learning-rate schedules, the exponential moving average (EMA) of the generator's weights, and the
seeded random source of the batch order (:class:`RealBatches`), the noise and the gradient
penalty. :meth:`Game.step` plays one training step and returns the :class:`StepRecord` the history
keeps; :func:`~qgan_helpers.training.train_gan` calls it ``steps`` times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from qgan_helpers.models.sampling import call_generator
from qgan_helpers.training.losses import d_summary, discriminator_loss, generator_loss, gradient_penalty, r1_penalty
from qgan_helpers.training.options import TrainOptions

__all__ = ["RealBatches", "StepRecord", "Game"]

Batch = tuple[torch.Tensor, torch.Tensor | None]


class RealBatches:
    """Batches of real images (and labels), in epochs of a seeded shuffle.

    Examples
    --------
    >>> batches = RealBatches(torch.arange(10.0).reshape(5, 2), None, 2, torch.Generator().manual_seed(0))
    >>> [tuple(batches.next()[0].shape) for _ in range(3)]   # the third batch starts a new epoch
    [(2, 2), (2, 2), (2, 2)]
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, batch_size: int, rng: torch.Generator) -> None:
        self.images, self.labels, self.batch_size, self.rng = images, labels, batch_size, rng
        self.order = torch.randperm(images.shape[0], generator=rng)
        self.cursor = 0

    def next(self) -> Batch:
        """The next ``batch_size`` images (and their labels, or None); a new shuffle when an epoch runs out."""
        if self.cursor + self.batch_size > self.images.shape[0]:
            self.order, self.cursor = torch.randperm(self.images.shape[0], generator=self.rng), 0
        idx = self.order[self.cursor : self.cursor + self.batch_size]
        self.cursor += self.batch_size
        return self.images[idx], (None if self.labels is None else self.labels[idx])


@dataclass(frozen=True)
class StepRecord:
    """What one step leaves in the history: the two losses and the discriminator's view of its last batch."""

    loss_d: float
    loss_g: float
    d_real: float
    d_fake: float


class Game:
    """The two players of one training run, with their optimisers, schedules and the generator's EMA.

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
    options : TrainOptions
        The checked arguments of :func:`~qgan_helpers.training.train_gan`.

    Attributes
    ----------
    ema : dict of str -> torch.Tensor, or None
        The moving average of the generator's state (None when ``options.ema_decay`` is None).
    rng : torch.Generator
        Seeded with ``options.seed``: the batch order, the noise and the gradient penalty's mixing.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, options: TrainOptions) -> None:
        self.generator, self.discriminator, self.options = generator, discriminator, options
        self.rng = torch.Generator().manual_seed(options.seed)
        trainable = [p for p in generator.parameters() if p.requires_grad]
        self.opt_g = torch.optim.Adam(trainable, lr=options.lr_g, betas=options.betas)
        trainable = [p for p in discriminator.parameters() if p.requires_grad]
        self.opt_d = torch.optim.Adam(trainable, lr=options.lr_d, betas=options.betas)
        self.schedulers = [torch.optim.lr_scheduler.LambdaLR(o, options.lr_lambda) for o in (self.opt_g, self.opt_d)]
        self.ema: dict[str, torch.Tensor] | None = None
        if options.ema_decay is not None:
            self.ema = {k: v.detach().clone() for k, v in generator.state_dict().items()}
        self.batches = RealBatches(options.images, options.labels, options.batch_size, self.rng)

    def fake_batch(self, labels: torch.Tensor | None) -> torch.Tensor:
        """``batch_size`` generated images of shape ``(batch_size, n_pixels)`` (for ``labels`` if conditional)."""
        n = self.options.batch_size
        z = self.options.noise(n, self.rng)
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != n:
            raise ValueError(f"noise: expected a tensor of shape ({n}, latent_dim), got {getattr(z, 'shape', z)!r}")
        out = call_generator(self.generator, z, labels)
        n_pixels = self.options.images.shape[1]
        if out.shape[1] != n_pixels:
            raise ValueError(f"generator: expected {n_pixels} pixels per image (like real_data), got {out.shape[1]}")
        return out

    def logits(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """The discriminator's outputs of shape ``(B,)`` (logits, or critic scores for ``"wgan-gp"``)."""
        out = self.discriminator(x) if labels is None else self.discriminator(x, labels)
        if not isinstance(out, torch.Tensor) or out.shape != (x.shape[0],):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"discriminator: expected logits of shape ({x.shape[0]},), got {shape}")
        return out

    def class_loss(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the discriminator's auxiliary class prediction for ``x`` against ``labels``."""
        out = self.discriminator.class_logits(x)
        if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != x.shape[0]:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"discriminator: expected class_logits of shape ({x.shape[0]}, n_classes), got {shape}")
        return nn.functional.cross_entropy(out, labels)

    def discriminator_step(
        self, real: torch.Tensor, labels: torch.Tensor | None, fake: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One update of the discriminator on a real and a (detached) fake batch, with its penalties.

        Returns
        -------
        (loss, outputs on real, outputs on fake)
        """
        o = self.options
        if o.r1_gamma > 0:
            real = real.detach().requires_grad_(True)
        out_real = self.logits(real, labels)
        out_fake = self.logits(fake, labels)
        loss = discriminator_loss(o.loss, out_real, out_fake, o.label_smoothing)
        if o.r1_gamma > 0:
            loss = loss + r1_penalty(out_real, real, o.r1_gamma)
        if o.loss == "wgan-gp":
            loss = loss + o.gp_lambda * gradient_penalty(self.logits, real, fake, labels, self.rng)
        if o.aux_weight > 0:
            loss = loss + o.aux_weight * self.class_loss(real, labels)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return loss, out_real, out_fake

    def generator_step(self, fake: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """One update of the generator through the (just updated) discriminator's view of ``fake``."""
        loss = generator_loss(self.options.loss, self.logits(fake, labels))
        if self.options.aux_weight > 0:
            loss = loss + self.options.aux_weight * self.class_loss(fake, labels)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss

    def update_average(self) -> None:
        """Move the EMA towards the generator's current weights (integer buffers are copied)."""
        if self.ema is None:
            return
        decay = self.options.ema_decay
        with torch.no_grad():
            for k, v in self.generator.state_dict().items():
                if v.dtype.is_floating_point:
                    self.ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
                else:
                    self.ema[k].copy_(v)

    def step(self, step: int) -> StepRecord:
        """Play training step ``step`` (1-based): ``d_steps`` discriminator updates, one generator update.

        The first discriminator update sees the fakes the generator update then trains on (detached);
        each further one draws a fresh real batch and fresh fakes. The generator update scores its
        fakes with the labels they were drawn for (a conditional discriminator sees each fake with its
        own class, whatever ``d_steps`` is).
        """
        real, labels = self.batches.next()
        fake, fake_labels = self.fake_batch(labels), labels
        for k in range(self.options.d_steps):
            if k > 0:
                real, labels = self.batches.next()
                with torch.no_grad():
                    fake_d = self.fake_batch(labels)
            else:
                fake_d = fake.detach()
            loss_d, out_real, out_fake = self.discriminator_step(real, labels, fake_d)
        loss_g = self.generator_step(fake, fake_labels)
        for scheduler in self.schedulers:
            scheduler.step()
        self.update_average()
        ld, lg = float(loss_d.detach()), float(loss_g.detach())
        if not (math.isfinite(ld) and math.isfinite(lg)):
            raise FloatingPointError(f"training diverged at step {step}: loss_d={ld}, loss_g={lg}")
        loss = self.options.loss
        return StepRecord(ld, lg, d_summary(loss, out_real), d_summary(loss, out_fake))

    def finish(self) -> None:
        """Load the EMA (if any) into the generator: what training returns."""
        if self.ema is not None:
            self.generator.load_state_dict(self.ema)
