"""The game :func:`~qgan_helpers.training.train_gan` plays: its losses and penalties.

:data:`LOSSES` names the three games (non-saturating, minimax, WGAN-GP);
:func:`check_loss_options` checks a loss with the options that depend on it;
:func:`discriminator_loss` and :func:`generator_loss` are the two players' objectives,
:func:`gradient_penalty` is WGAN-GP's penalty, and :func:`d_summary` is what the history records of
the discriminator's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from qgan_helpers import validation

__all__ = [
    "LOSSES",
    "check_loss_options",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "r1_penalty",
    "d_summary",
]

LOSSES = ("non-saturating", "minimax", "wgan-gp")
"""The game :func:`train_gan` plays. ``"non-saturating"`` and ``"minimax"`` train the discriminator
with binary cross-entropy on its logits and the generator to minimise ``-log D(G(z))`` or
``log(1 - D(G(z)))`` (the original game, whose gradient vanishes while D easily spots fakes).
``"wgan-gp"`` (Gulrajani et al. 2017; the PQWGAN of Tsang et al. 2023 trains a patch QGAN with it)
reads the discriminator's outputs as critic scores: the critic minimises
``E[D(fake)] - E[D(real)] + gp_lambda * E[(||grad D(x_hat)||_2 - 1)^2]`` on random interpolates
``x_hat`` of real and fake images, the generator minimises ``-E[D(G(z))]``."""


def check_loss_options(loss: Any, gp_lambda: Any, r1_gamma: Any, label_smoothing: float) -> tuple[str, float, float]:
    """Validate ``loss`` with the options that depend on it; return ``(loss, gp_lambda, r1_gamma)``."""
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {list(LOSSES)}, got {loss!r}")
    gp_lambda = validation.positive_number("gp_lambda", gp_lambda)
    r1_gamma = validation.number("r1_gamma", r1_gamma, 0)
    if loss == "wgan-gp" and r1_gamma > 0:
        raise ValueError(
            f"r1_gamma: loss='wgan-gp' already constrains the critic's input gradient (gp_lambda); "
            f"expected r1_gamma=0 with it, got {r1_gamma}"
        )
    if loss == "wgan-gp" and label_smoothing > 0:
        raise ValueError(
            f"label_smoothing: loss='wgan-gp' has no targets to smooth (the critic returns scores, not "
            f"probabilities); expected 0 with it, got {label_smoothing}"
        )
    return loss, gp_lambda, r1_gamma


def gradient_penalty(
    critic: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor | None,
    rng: torch.Generator,
) -> torch.Tensor:
    r"""WGAN-GP's penalty :math:`\mathbb{E}(\lVert\nabla_x D(\hat x)\rVert_2 - 1)^2` (Gulrajani et al. 2017).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U[0, 1)`` per image, drawn from
    ``rng`` (the loop's seeded generator, so runs are reproducible); conditional critics see the
    batch's labels. Differentiable in the critic's parameters (``create_graph=True``).

    Parameters
    ----------
    critic : callable
        ``critic(x, labels) -> (B,)`` scores.
    real, fake : torch.Tensor, shape (B, n_pixels)
    labels : torch.Tensor of shape (B,), or None
    rng : torch.Generator

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> lin = torch.nn.Linear(4, 1)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[3.0, 0.0, 4.0, 0.0]]))   # gradient norm 5 everywhere
    >>> gp = gradient_penalty(lambda x, _: lin(x).squeeze(1), torch.rand(3, 4), torch.rand(3, 4), None,
    ...                        torch.Generator().manual_seed(0))
    >>> round(float(gp.detach()), 4)
    16.0
    """
    eps = torch.rand(real.shape[0], 1, generator=rng).to(real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach().to(real.dtype)).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat, labels).sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.pow(2).sum(1) + 1e-12)  # the epsilon keeps the square root differentiable at 0
    return (norm - 1).pow(2).mean()


def r1_penalty(out_real: torch.Tensor, real: torch.Tensor, gamma: float) -> torch.Tensor:
    r"""The R1 penalty :math:`\frac{\gamma}{2}\,\mathbb{E}\lVert\nabla_x D(x)\rVert^2` on real images (Mescheder et al. 2018).

    It stops the discriminator from growing steep around the data, which damps the oscillations of
    the game. Differentiable in the discriminator's parameters (``create_graph=True``).

    Parameters
    ----------
    out_real : torch.Tensor, shape (B,)
        The discriminator's logits on ``real``.
    real : torch.Tensor, shape (B, n_pixels)
        The real images, with ``requires_grad=True``.
    gamma : float

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> x = torch.rand(3, 4).requires_grad_(True)
    >>> float(r1_penalty((2 * x).sum(1), x, 1.0))   # gradient 2 at each of 4 pixels: 0.5 * 16
    8.0
    """
    (grad,) = torch.autograd.grad(out_real.sum(), real, create_graph=True)
    return 0.5 * gamma * grad.pow(2).sum(1).mean()


def discriminator_loss(loss: str, out_real: torch.Tensor, out_fake: torch.Tensor, label_smoothing: float) -> torch.Tensor:
    """The discriminator's loss before penalties: cross-entropy on logits, or ``E[D(fake)] - E[D(real)]``."""
    if loss == "wgan-gp":
        return out_fake.mean() - out_real.mean()
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(out_real, torch.full_like(out_real, 1.0 - label_smoothing)) + bce(out_fake, torch.zeros_like(out_fake))


def generator_loss(loss: str, out_fake: torch.Tensor) -> torch.Tensor:
    """``-log D(G(z))`` (non-saturating), ``log(1 - D(G(z)))`` (minimax) or ``-E[D(G(z))]`` (wgan-gp)."""
    if loss == "non-saturating":
        return nn.functional.softplus(-out_fake).mean()
    if loss == "minimax":
        return -nn.functional.softplus(out_fake).mean()
    return -out_fake.mean()


def d_summary(loss: str, out: torch.Tensor) -> float:
    """What :class:`History` records per batch: mean probability "real", or the mean critic score for wgan-gp."""
    out = out.detach()
    return float(out.mean() if loss == "wgan-gp" else torch.sigmoid(out).mean())
