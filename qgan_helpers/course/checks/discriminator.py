"""Exercises of the chapter "The discriminator" (book/discriminator.ipynb)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from qgan_helpers.course.checks import expect, register

__all__: list[str] = []


def _scalar_tensor(value: Any, what: str) -> torch.Tensor:
    """The learner's loss as a one-element torch tensor (checked, not converted)."""
    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    expect(
        isinstance(value, torch.Tensor),
        f"{what} should return a torch tensor (so that .backward() works), got {type(value).__name__}",
    )
    expect(value.numel() == 1, f"{what} should return one number (a scalar tensor), got shape {tuple(value.shape)}")
    expect(value.dtype.is_floating_point, f"{what} should return a floating-point tensor, got dtype {value.dtype}")
    return value


def _number(value: Any, what: str) -> float:
    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = None
    expect(arr is not None, f"{what} should return a number, got {type(value).__name__}")
    expect(arr.size == 1, f"{what} should return one number, got an array of shape {arr.shape}")
    x = float(arr.reshape(()))
    expect(math.isfinite(x), f"{what} returned {x}; expected a finite number")
    return x


# --------------------------------------------------------------------------------------------
def _reference_loss(real: torch.Tensor, fake: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """The loss of qgan_helpers.training.train_gan: real target 1 - smoothing, fake target 0."""
    return F.binary_cross_entropy_with_logits(real, torch.full_like(real, 1.0 - smoothing)) + (
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)


@register(
    "ex-discriminator-smoothing",
    "The discriminator's loss with one-sided label smoothing",
    [
        "Start from the plain discriminator loss (real target 1, fake target 0). One-sided smoothing changes "
        "only the real images' target, to 1 - smoothing; the fakes keep 0.",
        "binary_cross_entropy_with_logits accepts soft targets: torch.full_like(real_logits, 1 - smoothing). "
        "Average each batch on its own (they may have different sizes) and add the two averages.",
        "bce = F.binary_cross_entropy_with_logits; return bce(real_logits, torch.full_like(real_logits, 1 - "
        "smoothing)) + bce(fake_logits, torch.zeros_like(fake_logits)).",
    ],
    "smoothed_discriminator_loss",
)
def _check_smoothing(smoothed_discriminator_loss: Any) -> None:
    f_loss = smoothed_discriminator_loss
    expect(callable(f_loss), "smoothed_discriminator_loss should be a function of (real_logits, fake_logits, smoothing)")
    gen = torch.Generator().manual_seed(11)
    real = 2 * torch.randn(5, generator=gen) + 1
    fake = 2 * torch.randn(7, generator=gen) - 1
    what = "smoothed_discriminator_loss(real, fake, 0.0)"
    plain = float(_scalar_tensor(f_loss(real.clone(), fake.clone(), 0.0), what).detach())
    want0 = float(_reference_loss(real, fake))
    if not _close(plain, want0):
        if _close(plain, float(_reference_loss(fake, real))):
            expect(False, f"{what}: real and fake are swapped: real images should get the target 1 - smoothing, "
                   "fakes the target 0")
        one_mean = float(F.binary_cross_entropy_with_logits(
            torch.cat([real, fake]), torch.cat([torch.ones(5), torch.zeros(7)])))
        if _close(plain, one_mean):
            expect(False, f"{what} is one mean over real and fake together; the course's loss (as in train_gan) "
                   "averages each batch on its own and ADDS the two averages")
        if _close(plain, float(F.softplus(-real).sum() + F.softplus(fake).sum())):
            expect(False, f"{what} is a sum over the batch; take the mean of each term")
        expect(False, f"{what} (no smoothing: the plain binary cross-entropy) should be {want0:.5f}, got {plain:.5f}")
    s = 0.1
    what = f"smoothed_discriminator_loss(real, fake, {s})"
    got = float(_scalar_tensor(f_loss(real.clone(), fake.clone(), s), what).detach())
    want = float(_reference_loss(real, fake, s))
    if not _close(got, want):
        two_sided = want + float(F.binary_cross_entropy_with_logits(fake, torch.full_like(fake, s))) - float(
            F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        if _close(got, two_sided):
            expect(False, f"{what}: the fakes got the target {s} too; label smoothing here is ONE-sided -- only the "
                   "real target becomes 1 - smoothing, fakes keep 0")
        if _close(got, float(_reference_loss(real, fake)) - s * float(F.softplus(-real).mean())):
            expect(False, f"{what}: scaling the real term by (1 - smoothing) is not the same as a soft target: "
                   "a target t gives t * softplus(-l) + (1 - t) * softplus(l)")
        if _close(got, want0):
            expect(False, f"{what} ignores `smoothing`: the real target should be 1 - smoothing")
        expect(False, f"{what} should be {want:.5f}, got {got:.5f}")
    sure = torch.tensor([60.0, -60.0, 40.0])
    big = _scalar_tensor(f_loss(sure.clone(), sure.clone(), s), f"smoothed_discriminator_loss(<logits of +-60>, ..., {s})")
    expect(bool(torch.isfinite(big.detach()).all()),
           "for logits of +-60 the loss is not finite: log(sigmoid(l)) underflows; use softplus or "
           "binary_cross_entropy_with_logits")
    want_big = float(_reference_loss(sure, sure, s))
    expect(math.isclose(float(big.detach()), want_big, rel_tol=1e-4),
           f"for logits of +-60 expected {want_big:.4f}, got {float(big.detach()):.4f} "
           "(the naive log(sigmoid) form loses precision here)")
    r = real.clone().requires_grad_(True)
    f = fake.clone().requires_grad_(True)
    out = f_loss(r, f, s)
    expect(isinstance(out, torch.Tensor) and out.requires_grad,
           "the loss should stay connected to the logits (no .item(), .detach() or NumPy inside)")
    out.reshape(()).backward()
    r0 = real.clone().requires_grad_(True)
    f0 = fake.clone().requires_grad_(True)
    _reference_loss(r0, f0, s).backward()
    expect(r.grad is not None and torch.allclose(r.grad, r0.grad, atol=1e-6)
           and f.grad is not None and torch.allclose(f.grad, f0.grad, atol=1e-6),
           "the loss value is right but its gradient is not: avoid constants that depend on the logits")


# --------------------------------------------------------------------------------------------
def _reference_auc(r: np.ndarray, f: np.ndarray) -> float:
    diff = r[:, None] - f[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


@register(
    "ex-discriminator-auc",
    "The AUC: how often a real image scores higher than a fake one",
    [
        "The AUC is a probability over pairs: pick one real and one fake image at random; how often does the "
        "real one get the higher score? No threshold is involved.",
        "Compare every real score with every fake score at once by broadcasting: diff = real[:, None] - "
        "fake[None, :] has one entry per pair. A tie counts one half.",
        "diff = np.asarray(real_scores, float)[:, None] - np.asarray(fake_scores, float)[None, :]; return "
        "float((diff > 0).mean() + 0.5 * (diff == 0).mean()).",
    ],
    "auc",
)
def _check_auc(auc: Any) -> None:
    expect(callable(auc), "auc should be a function of (real_scores, fake_scores)")
    cases = [
        (np.array([3.0, 2.0, 5.0]), np.array([-1.0, 0.0]), 1.0, "every real image scores higher"),
        (np.array([-3.0, -2.0]), np.array([1.0, 0.5, 4.0]), 0.0, "every fake scores higher"),
        (np.array([1.0, 1.0]), np.array([1.0, 1.0, 1.0]), 0.5, "all scores tie, and a tie counts 1/2"),
        (np.array([0.2, 0.9, 0.4]), np.array([0.1, 0.4, 0.95]), 4.5 / 9, "4 of the 9 pairs won and one tie"),
    ]
    for real, fake, want, why in cases:
        got = _number(auc(real.copy(), fake.copy()), f"auc({real.tolist()}, {fake.tolist()})")
        expect(abs(got - want) < 1e-9,
               f"auc({real.tolist()}, {fake.tolist()}) should be {want:.4f} ({why}); got {got:.4f}")
    rng = np.random.default_rng(4)
    real, fake = rng.normal(1.0, 1.0, 40), rng.normal(0.0, 1.0, 30)
    got = _number(auc(real.copy(), fake.copy()), "auc(<40 real scores>, <30 fake scores>)")
    want = _reference_auc(real, fake)
    expect(abs(got - want) < 1e-9, f"for 40 real and 30 fake random scores expected {want:.4f}, got {got:.4f}")
    shifted = _number(auc(real + 100.0, fake + 100.0), "auc(real + 100, fake + 100)")
    expect(abs(shifted - want) < 1e-9,
           "the AUC only depends on the ORDER of the scores: adding 100 to all of them must not change it "
           "(did you threshold the scores at 0?)")


# --------------------------------------------------------------------------------------------
def _tiles(img: torch.Tensor, t: int) -> torch.Tensor:
    """(H, W) -> (number of tiles, t*t), tiles in row-major order."""
    h, w = img.shape
    return img.reshape(h // t, t, w // t, t).permute(0, 2, 1, 3).reshape(-1, t * t)


def _tile_permutation(src: torch.Tensor, out: torch.Tensor, t: int) -> list[int] | None:
    """Where each output tile came from, or None if an output tile is not one of the input tiles."""
    a, b = _tiles(src, t), _tiles(out, t)
    perm = []
    for row in b:
        hits = torch.nonzero((a == row).all(dim=1)).flatten()
        if len(hits) != 1:
            return None
        perm.append(int(hits[0]))
    return perm


@register(
    "ex-discriminator-tiles",
    "A tile-shuffle sanity test: cut each image into tiles and shuffle them",
    [
        "Think of an image as a grid of t x t tiles. The fake keeps every tile intact but puts the tiles in a "
        "random order, a different order for each image.",
        "images.reshape(N, H//t, t, W//t, t).permute(0, 1, 3, 2, 4) gives (N, H//t, W//t, t, t); flatten the "
        "two grid axes to (N, K, t, t). One permutation per image: torch.argsort(torch.rand(N, K, "
        "generator=generator), dim=1).",
        "tiles = tiles[torch.arange(N)[:, None], perm] reorders them; then undo the reshape: reshape(N, H//t, "
        "W//t, t, t).permute(0, 1, 3, 2, 4).reshape(N, H, W).",
    ],
    "shuffle_tiles",
)
def _check_tiles(shuffle_tiles: Any) -> None:
    expect(callable(shuffle_tiles), "shuffle_tiles should be a function of (images, tile, generator)")
    for (n, side, t) in ((12, 8, 2), (6, 28, 7), (5, 8, 1)):
        # every pixel value distinct, so each tile (and its inside) can be recognised after the shuffle
        images = torch.arange(n * side * side, dtype=torch.float32).reshape(n, side, side) / (n * side * side)
        before = images.clone()
        out = shuffle_tiles(images, t, torch.Generator().manual_seed(3))
        what = f"shuffle_tiles(<{n} images {side}x{side}>, {t}, generator)"
        expect(out is not None, f"{what} returned None; did you forget a `return`?")
        expect(isinstance(out, torch.Tensor), f"{what} should return a torch tensor, got {type(out).__name__}")
        expect(tuple(out.shape) == (n, side, side),
               f"{what} should return shape {(n, side, side)} (the same as the input), got {tuple(out.shape)}")
        expect(torch.equal(images, before), f"{what} changed its input; work on a copy (or build a new tensor)")
        perms = []
        for i in range(n):
            perm = _tile_permutation(images[i], out[i], t)
            if perm is None and t > 1 and _tile_permutation(images[i], out[i], 1) is not None:
                expect(False, f"{what}: image {i} has the right pixels, but its {t}x{t} blocks are not the input's "
                       f"{t}x{t} blocks: the tiles should move as whole blocks, keeping their insides intact "
                       "(a plain reshape to (N, K, t, t) mixes rows of different tiles; see the hint)")
            expect(perm is not None, f"{what}: image {i} of the output is not made of the {t}x{t} tiles of "
                   f"input image {i} (each output image must be a rearrangement of its own input's tiles)")
            expect(sorted(perm) == list(range(len(perm))),
                   f"{what}: image {i} repeats some tiles and loses others; use a permutation")
            perms.append(tuple(perm))
        k = (side // t) ** 2
        moved = sum(p != tuple(range(k)) for p in perms)
        expect(moved >= n - 1, f"{what}: only {moved} of {n} images were rearranged; shuffle every image")
        expect(len(set(perms)) > 1, f"{what}: every image got the same rearrangement; draw a new permutation "
               "for each image")
        again = shuffle_tiles(images, t, torch.Generator().manual_seed(3))
        expect(isinstance(again, torch.Tensor) and torch.equal(again, out),
               f"{what} is not reproducible: use the `generator` argument for every random draw")
        other = shuffle_tiles(images, t, torch.Generator().manual_seed(4))
        expect(isinstance(other, torch.Tensor) and not torch.equal(other, out),
               f"{what} gives the same result for generators with different seeds; draw the permutations "
               "from `generator`")


# --------------------------------------------------------------------------------------------
@register(
    "ex-discriminator-budget",
    "The widest one-hidden-layer MLP discriminator within a parameter budget",
    [
        "Write the parameter count of MLPDiscriminator(n_pixels=n, hidden=(h,)) as a function of h; it grows "
        "linearly, so the widest h within the budget follows from one division.",
        "The hidden layer has n * h weights and h biases, the output layer h weights and 1 bias: (n + 2) * h "
        "+ 1 in all. Check your formula with count_parameters.",
        "h = (budget - 1) // (n_inputs + 2); return MLPDiscriminator(n_pixels=n_inputs, hidden=(h,)) (check "
        "that h is at least 1).",
    ],
    "mlp_with_budget",
)
def _check_budget(mlp_with_budget: Any) -> None:
    from qgan_helpers.metrics import count_parameters

    expect(callable(mlp_with_budget), "mlp_with_budget should be a function of (n_inputs, budget)")
    for n, budget in ((4, 26), (64, 120), (64, 5217), (16, 1000), (3, 6)):
        d = mlp_with_budget(n, budget)
        what = f"mlp_with_budget({n}, {budget})"
        expect(d is not None, f"{what} returned None; did you forget a `return`?")
        expect(isinstance(d, torch.nn.Module), f"{what} should return a torch module, got {type(d).__name__}")
        logits = d(torch.rand(3, n))
        expect(isinstance(logits, torch.Tensor) and tuple(logits.shape) == (3,),
               f"{what} applied to 3 inputs of {n} values should give 3 logits, shape (3,), got "
               f"{tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__}")
        count = count_parameters(d)
        h = (budget - 1) // (n + 2)
        best = (n + 2) * h + 1
        expect(count <= budget, f"{what} has {count} trainable parameters, more than the budget of {budget}")
        expect(count >= best, f"{what} has {count} parameters; a hidden layer of {h} units "
               f"({best} parameters) still fits the budget of {budget}")
        expect(count == best, f"{what} has {count} parameters; the widest single hidden layer that fits has "
               f"{h} units and {best} parameters")
