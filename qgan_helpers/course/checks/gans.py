"""Exercises of the chapter "Generative models in one hour" (book/gans.ipynb)."""

from __future__ import annotations

import math
from typing import Any

import torch

from qgan_helpers.course.checks import as_scalar as _number
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []




def _loss_tensor(value: Any, what: str) -> torch.Tensor:
    """A 0-d (or one-element) torch tensor with finite value: something ``backward()`` can start from."""
    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    expect(
        isinstance(value, torch.Tensor),
        f"{what} should return a torch tensor (so that loss.backward() works), got {type(value).__name__}",
    )
    expect(value.numel() == 1, f"{what} should return one number (the mean over the batch), got shape {tuple(value.shape)}")
    expect(bool(torch.isfinite(value).all()), f"{what} returned {float(value.detach().reshape(()))}")
    return value.reshape(())


# --------------------------------------------------------------------------------------------
def _kernel_mean(a: torch.Tensor, b: torch.Tensor, sigmas: list[float], *, off_diagonal: bool = False) -> float:
    """Mean of the (mixture) Gaussian kernel matrix, optionally without its diagonal."""
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    k = sum(torch.exp(-d2 / (2 * s**2)) for s in sigmas) / len(sigmas)
    if off_diagonal:
        n = a.shape[0]
        return float((k.sum() - k.diagonal().sum()) / (n * (n - 1)))
    return float(k.mean())


def _mmd_variant(x: torch.Tensor, y: torch.Tensor, sigmas: list[float], *, off_diagonal: bool = False) -> float:
    return (
        _kernel_mean(x, x, sigmas, off_diagonal=off_diagonal)
        + _kernel_mean(y, y, sigmas, off_diagonal=off_diagonal)
        - 2 * _kernel_mean(x, y, sigmas)
    )


@register(
    "ex-gans-mmd",
    "MMD² with a mixture of Gaussian kernels of several widths",
    [
        "Start from mmd2_inline on the page: it already has the three kernel means. Only the kernel changes: "
        "instead of one Gaussian it is the average of several, one per width in sigmas.",
        "Compute the pairwise squared distances once, d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1), "
        "shape (n, m); then the kernel matrix is the MEAN over the widths s of exp(-d2 / (2 * s**2)).",
        "kernel_mean(a, b) = torch.stack([torch.exp(-d2 / (2 * s**2)) for s in sigmas]).mean(0).mean(); "
        "return kernel_mean(x, x) + kernel_mean(y, y) - 2 * kernel_mean(x, y), keeping the diagonal entries.",
    ],
    "mmd2_multi",
)
def _check_mmd(mmd2_multi: Any) -> None:
    from qgan_helpers.metrics import mmd2

    expect(callable(mmd2_multi), "mmd2_multi should be a function of (x, y, sigmas)")
    gen = torch.Generator().manual_seed(7)
    x = torch.rand(12, 5, generator=gen, dtype=torch.float64)
    y = torch.rand(9, 5, generator=gen, dtype=torch.float64) * 0.8 + 0.3
    for sigmas in ([1.0], [0.5, 2.0], [0.3, 1.0, 4.0]):
        what = f"mmd2_multi(x, y, {sigmas})"
        got = _number(mmd2_multi(x, y, list(sigmas)), what)
        want = float(mmd2(x, y, sigmas))
        if abs(got - want) < 1e-6:
            continue
        halved = [s / math.sqrt(2) for s in sigmas]
        expect(abs(got - _mmd_variant(x, y, halved)) > 1e-6,
               "the kernel is exp(-||a - b||^2 / (2 sigma^2)): the 2 in the denominator is missing")
        expect(abs(got - _mmd_variant(x, y, sigmas, off_diagonal=True)) > 1e-6,
               "this is the unbiased estimate (diagonal left out); here every entry counts, "
               "k(x_i, x_i) = 1 included (the biased estimate of the course's mmd2)")
        expect(abs(got - len(sigmas) * want) > 1e-6,
               "this sums the kernels of the different widths; the mixture kernel is their mean")
        expect(abs(got - math.sqrt(max(want, 0.0))) > 1e-6, "this is the MMD itself; return its square, MMD^2")
        expect(False, f"{what} should be {want:.6f}, got {got:.6f}")
    same = _number(mmd2_multi(x, x.clone(), [1.0, 2.0]), "mmd2_multi(x, x, [1.0, 2.0])")
    expect(abs(same) < 1e-9, f"two identical sample sets should give MMD^2 = 0, got {same:.6f}")
    # other sample sizes and dimensions, float32 input
    a = torch.rand(30, 64, generator=gen)
    b = torch.rand(17, 64, generator=gen) ** 2
    got = _number(mmd2_multi(a, b, [2.0, 8.0]), "mmd2_multi(<30 x 64>, <17 x 64>, [2.0, 8.0])")
    want = float(mmd2(a.double(), b.double(), [2.0, 8.0]))
    expect(abs(got - want) < 1e-5, f"for 30 and 17 samples of 64 pixels expected {want:.6f}, got {got:.6f}")


# --------------------------------------------------------------------------------------------
@register(
    "ex-gans-nsloss",
    "The non-saturating generator loss on discriminator logits",
    [
        "The discriminator gives logits a, and D = sigmoid(a). The loss is the batch mean of -log D; can you "
        "compute log D without forming D (which rounds to 0 for very negative logits)?",
        "-log sigmoid(a) has stable forms in torch: -torch.nn.functional.logsigmoid(a), or "
        "torch.nn.functional.softplus(-a). Both keep the gradient for large negative logits.",
        "return (-torch.nn.functional.logsigmoid(fake_logits)).mean()",
    ],
    "generator_loss",
)
def _check_nsloss(generator_loss: Any) -> None:
    expect(callable(generator_loss), "generator_loss should be a function of the fake images' logits")
    logits = torch.tensor([-6.0, -2.0, -0.5, 0.0, 1.5, 4.0], dtype=torch.float64, requires_grad=True)
    loss = _loss_tensor(generator_loss(logits), "generator_loss(logits)")
    d = torch.sigmoid(logits.detach())
    got = float(loss.detach())
    want = float((-torch.log(d)).mean())
    if abs(got - want) > 1e-6:
        expect(abs(got - float(torch.log1p(-d).mean())) > 1e-6,
               "this is the original minimax loss log(1 - D(G(z))), whose gradient vanishes when D rejects the "
               "fakes; the non-saturating loss is -log D(G(z))")
        expect(abs(got - float(torch.log(d).mean())) > 1e-6, "the sign is flipped: minimise -log D(G(z))")
        expect(abs(got - float((-torch.log(d)).sum())) > 1e-6, "take the mean over the batch, not the sum")
        expect(False, f"for logits {logits.detach().tolist()} the loss should be {want:.6f}, got {got:.6f}")
    expect(loss.requires_grad, "the result is not connected to the logits (no gradient); compute it with torch operations")
    (grad,) = torch.autograd.grad(loss, logits)
    want_grad = -(1 - d) / len(d)
    expect(torch.allclose(grad, want_grad, atol=1e-8), "the value is right but the gradient is not; avoid .item()/.detach() inside")
    batch = torch.linspace(-8, 8, 33, dtype=torch.float32)
    got = _number(generator_loss(batch), "generator_loss(<33 logits in [-8, 8]>)")
    want = float(torch.nn.functional.softplus(-batch.double()).mean())
    expect(abs(got - want) < 1e-4, f"for 33 logits from -8 to 8 expected {want:.5f}, got {got:.5f}")


# --------------------------------------------------------------------------------------------
@register(
    "ex-gans-dloss",
    "The discriminator's binary cross-entropy on logits",
    [
        "The discriminator plays a real/fake classification: real images should be labelled 1, fakes 0. The "
        "loss is two binary cross-entropies, one per batch, added.",
        "torch.nn.functional.binary_cross_entropy_with_logits(logits, targets) averages over the batch; build "
        "the targets with torch.ones_like(real_logits) and torch.zeros_like(fake_logits).",
        "bce = torch.nn.functional.binary_cross_entropy_with_logits; return bce(real_logits, "
        "torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits)).",
    ],
    "discriminator_loss",
)
def _check_dloss(discriminator_loss: Any) -> None:
    expect(callable(discriminator_loss), "discriminator_loss should be a function of (real_logits, fake_logits)")
    real = torch.tensor([2.0, 0.5, -1.0, 3.0], dtype=torch.float64, requires_grad=True)
    fake = torch.tensor([-3.0, 0.2, -0.7], dtype=torch.float64, requires_grad=True)
    loss = _loss_tensor(discriminator_loss(real, fake), "discriminator_loss(real_logits, fake_logits)")
    sp = torch.nn.functional.softplus
    r, f = real.detach(), fake.detach()
    want = float(sp(-r).mean() + sp(f).mean())
    got = float(loss.detach())
    if abs(got - want) > 1e-6:
        expect(abs(got - float(sp(r).mean() + sp(-f).mean())) > 1e-6,
               "the targets are swapped: real images should get target 1 and fakes target 0")
        expect(abs(got - want / 2) > 1e-6,
               "this is half the loss; the course sums the two terms, as in the value function V(D, G)")
        expect(abs(got + want) > 1e-6, "the sign is flipped: the discriminator minimises the cross-entropy")
        pooled = float((sp(-r).sum() + sp(f).sum()) / (len(r) + len(f)))
        expect(abs(got - pooled) > 1e-6,
               "this averages over real and fake logits together; average each term over its own batch, then add them")
        expect(False, f"for these logits the loss should be {want:.6f}, got {got:.6f}")
    expect(loss.requires_grad, "the result is not connected to the logits (no gradient); compute it with torch operations")
    g_real, g_fake = torch.autograd.grad(loss, (real, fake))
    expect(
        torch.allclose(g_real, -(1 - torch.sigmoid(r)) / len(r), atol=1e-8)
        and torch.allclose(g_fake, torch.sigmoid(f) / len(f), atol=1e-8),
        "the value is right but the gradient is not; avoid .item()/.detach() inside",
    )
    # batches of different sizes are averaged separately
    real2, fake2 = torch.full((10,), 1.0), torch.full((2,), 1.0)
    got = _number(discriminator_loss(real2, fake2), "discriminator_loss(<10 logits>, <2 logits>)")
    want = float(sp(-real2).mean() + sp(fake2).mean())
    expect(abs(got - want) < 1e-5, f"average the real and the fake terms over their own batch: expected {want:.5f}, got {got:.5f}")


