"""Exercises of the chapter "A quantum generator that draws 28x28 digits" (book/mnist28.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers.course.checks import as_array, expect, register
from qgan_helpers.course.checks import as_scalar as _number

__all__: list[str] = []


def _probs(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Random probability vectors (Dirichlet) of the given shape, float64; the last axis sums to 1."""
    gen = torch.Generator().manual_seed(seed)
    x = -torch.log(torch.rand(*shape, generator=gen, dtype=torch.float64))
    x = x**3  # peakier than uniform, like a trained row
    return x / x.sum(-1, keepdim=True)


@register(
    "ex-mnist28-rowmap",
    "The row map with dark outcomes",
    [
        "Only the first `width` outcomes paint pixels; the others are dark outcomes that paint nothing. "
        "Each painted pixel is a smooth, saturating function of its own probability times the gain.",
        "Keep probs[..., :width] (the last axis holds the outcomes) and apply tanh(gain * p) to it; do not "
        "divide by the largest probability, as the 8x8 map did.",
        "return torch.tanh(gain * torch.as_tensor(probs)[..., :width])",
    ],
    "row_pixels",
)
def _check_rowmap(row_pixels: Any) -> None:
    from qgan_helpers.models.patch28 import RowPixelMap

    expect(callable(row_pixels), "row_pixels should be a function of (probs, gain, width=28)")
    for shape, width, gain, seed in (((5, 32), 28, 16.0, 0), ((3, 4, 8), 6, 3.5, 1)):
        probs = _probs(shape, seed)
        if len(shape) == 2:
            probs[0] = 0.0
            probs[0, -1] = 1.0  # a row that put everything on a dark outcome
        what = f"row_pixels(probs of shape {shape}, gain={gain}, width={width})"
        got = as_array(row_pixels(probs.clone(), gain, width=width), what)
        want_shape = (*shape[:-1], width)
        expect(got.shape == want_shape, f"{what} should have shape {want_shape} (one pixel per painted outcome), "
                                        f"got {got.shape}")
        rows = probs.reshape(-1, shape[-1]).unsqueeze(0)  # (1, rows, outcomes): one map, its gain
        row_map = RowPixelMap(1, width, gain_init=gain).double()
        want = row_map(rows).detach().reshape(want_shape).numpy()
        by_max = (probs[..., :width] / probs.max(-1, keepdim=True).values).numpy()
        if np.allclose(got, by_max, atol=1e-6):
            expect(False, f"{what}: that is p / max p, the 8x8 map; it lights the brightest pixel of every row, "
                          "even an empty one. Use tanh(gain * p) instead")
        expect(np.all((got >= 0) & (got <= 1)), f"{what}: pixels should lie in [0, 1]")
        if len(shape) == 2:
            expect(np.allclose(got[0], 0.0, atol=1e-9),
                   f"{what}: a row with all its probability on a dark outcome should be black, got a largest "
                   f"pixel of {got[0].max():.3f}")
        expect(np.allclose(got, want, atol=1e-6),
               f"{what}: expected tanh(gain * p) of the first {width} outcomes; compare the first row: expected "
               f"{want.reshape(-1, width)[-1, :3].round(4)}..., got {got.reshape(-1, width)[-1, :3].round(4)}...")


def _small_generator(seed: int, init_scale: float) -> nn.Module:
    from qgan_helpers.models import ConditionalMnistPatchGenerator

    torch.manual_seed(seed)
    return ConditionalMnistPatchGenerator(n_qubits=4, n_ancillas=1, depth=2, image_side=6,
                                          init_scale=init_scale, label_init_scale=init_scale)


def _dark_reference(generator: Any, digit: int, n: int, seed: int) -> float:
    from qgan_helpers.quantum.measurement import postselect

    z = generator.sample_noise(n, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        probs = postselect(generator.circuit_probs(z, torch.full((n,), digit)), generator.n_ancillas)
    dark = probs[..., generator.image_side:].sum(-1)
    return float((dark > 0.5).double().mean())


@register(
    "ex-mnist28-dark",
    "An experiment: how often does a row go dark?",
    [
        "A row is dark when its circuit puts more than half of its post-selected probability on the outcomes "
        "beyond the row's pixels. You need the probabilities, not the pixels: generator.circuit_probs gives "
        "them for every row circuit.",
        "z = generator.sample_noise(n, torch.Generator().manual_seed(seed)); under torch.no_grad(), probs = "
        "postselect(generator.circuit_probs(z, torch.full((n,), digit)), generator.n_ancillas) has shape "
        "(rows, n, outcomes). Sum the outcomes from generator.image_side on.",
        "dark = probs[..., generator.image_side:].sum(-1); return float((dark > 0.5).double().mean()), with "
        "postselect from qgan_helpers.quantum.measurement.",
    ],
    "dark_row_share",
)
def _check_dark(dark_row_share: Any) -> None:
    expect(callable(dark_row_share), "dark_row_share should be a function of (generator, digit, n=100, seed=0)")
    for gen_seed, scale, digit, n, seed in ((1, 1.5, 3, 40, 0), (5, 3.0, 7, 30, 4)):
        generator = _small_generator(gen_seed, scale)
        what = f"dark_row_share(generator, {digit}, n={n}, seed={seed})"
        got = _number(dark_row_share(generator, digit, n=n, seed=seed), what)
        expect(0.0 <= got <= 1.0, f"{what} should be a share of rows, between 0 and 1; got {got}")
        want = _dark_reference(generator, digit, n, seed)
        expect(abs(got - want) < 1e-9,
               f"{what}: on a small test generator (6 rows of 6 pixels, 2 dark outcomes each) the share of "
               f"rows with more than half of their probability on dark outcomes is {want:.4f}; got {got:.4f} "
               "(is z drawn with torch.Generator().manual_seed(seed), and are the ancillas post-selected?)")


class _Replay(nn.Module):
    """A 'generator' that returns held-out MNIST digits: the digit ``swap[label]`` for label ``label``."""

    latent_dim = 1
    n_classes = 10

    def __init__(self, swap: dict[int, int]) -> None:
        super().__init__()
        from qgan_helpers.metrics.datasets import real_images

        images, labels = real_images("mnist", "heldout")
        images = torch.tensor(np.array(images), dtype=torch.float32).reshape(len(images), -1)
        labels = np.asarray(labels)
        self.by_class = [images[torch.as_tensor(labels == c)] for c in range(10)]
        self.swap = {c: swap.get(c, c) for c in range(10)}

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.rand(n, 1, generator=generator)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        out = []
        for u, c in zip(noise[:, 0].tolist(), labels.tolist()):
            pool = self.by_class[self.swap[int(c)]]
            out.append(pool[int(u * len(pool)) % len(pool)])
        return torch.stack(out)


def _accuracy_reference(generator: Any, n: int, seed: int) -> np.ndarray:
    from qgan_helpers.metrics import classifier_score, digit_classifier
    from qgan_helpers.models import generate

    clf = digit_classifier("mnist")
    return np.array([
        classifier_score(generate(generator, n, seed=seed + d, labels=d, image_shape=(28, 28)), intended=d,
                         classifier=clf).accuracy
        for d in range(10)
    ])


@register(
    "ex-mnist28-accuracy",
    "An experiment: per-digit accuracy before and after training",
    [
        "For every digit d, draw images of d from the generator and ask the 28x28 feature network which digit "
        "each one shows; the share that it reads as d is that digit's accuracy.",
        "generate(generator, n, seed=seed + d, labels=d, image_shape=(28, 28)) draws the images of digit d; "
        "classifier_score(images, intended=d, classifier=digit_classifier('mnist')).accuracy judges them.",
        "clf = digit_classifier('mnist'); return np.array([classifier_score(generate(generator, n, "
        "seed=seed + d, labels=d, image_shape=(28, 28)), intended=d, classifier=clf).accuracy for d in range(10)])",
    ],
    "digit_accuracies",
)
def _check_accuracy(digit_accuracies: Any) -> None:
    expect(callable(digit_accuracies), "digit_accuracies should be a function of (generator, n=100, seed=0)")
    for swap, n, seed in (({}, 30, 0), ({3: 8, 8: 3, 5: 6}, 25, 9)):
        generator = _Replay(swap)
        what = f"digit_accuracies(generator, n={n}, seed={seed})"
        got = as_array(digit_accuracies(generator, n=n, seed=seed), what)
        expect(got.shape == (10,), f"{what} should return 10 numbers, one per digit; got shape {got.shape}")
        expect(np.all((got >= 0) & (got <= 1)), f"{what}: each accuracy is a share, between 0 and 1")
        want = _accuracy_reference(generator, n, seed)
        detail = "real held-out digits" if not swap else f"real digits with the classes {swap} swapped"
        expect(np.allclose(got, want, atol=1e-9),
               f"{what}: a test generator that returns {detail} gives {want.round(2).tolist()}; got "
               f"{got.round(2).tolist()} (draw digit d with generate(..., seed=seed + d, labels=d))")
