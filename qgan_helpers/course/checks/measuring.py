"""Exercises of the chapter "Measuring generated images" (book/measuring.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgan_helpers.course.checks import as_scalar, expect, register

__all__: list[str] = []


def _reference_knn(real: np.ndarray, fake: np.ndarray, k: int) -> float:
    x = np.concatenate([real, fake])
    is_fake = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    return float(((is_fake[nearest].mean(axis=1) > 0.5) == is_fake).mean())


@register(
    "ex-measuring-nn-test",
    "Leave-one-out k-nearest-neighbour two-sample accuracy",
    [
        "Put all images in one pool, real ones labelled 0 and fakes labelled 1, and ask for every image: what "
        "do its k nearest OTHER images say? If the two sets are alike, the neighbours are a coin toss "
        "(accuracy 0.5).",
        "Stack real and fake into x of shape (2n, d) with labels 0/1, compute all pairwise distances, and set "
        "the diagonal to infinity so that an image is not its own neighbour. np.argsort(d, axis=1)[:, :k] "
        "gives the k neighbours.",
        "pred = labels[nn_idx].mean(1) > 0.5 (called fake when more than half of the k neighbours are fake); "
        "return float((pred == labels).mean()).",
    ],
    "knn_two_sample_accuracy",
)
def _check_nn_test(knn_two_sample_accuracy: Any) -> None:
    expect(callable(knn_two_sample_accuracy), "knn_two_sample_accuracy should be a function of (real, fake, k)")
    rng = np.random.default_rng(11)
    cases = [
        (rng.normal(size=(30, 4)), rng.normal(size=(30, 4)) + 0.7, 1),
        (rng.normal(size=(25, 3)), rng.normal(size=(25, 3)) * 1.8, 3),
        (rng.normal(size=(40, 6)), rng.normal(size=(40, 6)), 5),
    ]
    for real, fake, k in cases:
        what = f"knn_two_sample_accuracy(real, fake, k={k})"
        got = as_scalar(knn_two_sample_accuracy(real.copy(), fake.copy(), k), what)
        want = _reference_knn(real, fake, k)
        if abs(got - want) < 1e-9:
            continue
        expect(abs(got - 1.0) > 1e-9 or want > 0.99,
               "every image found itself as its nearest neighbour: leave it out (np.fill_diagonal(d, np.inf))")
        expect(abs(got - (1 - want)) > 1e-9, "the labels are swapped: an image is 'generated' when most "
               "neighbours are generated")
        expect(False, f"{what} should be {want:.4f}, got {got:.4f}")


@register(
    "ex-measuring-coverage",
    "Coverage (Naeem et al. 2020) of fake features against real features",
    [
        "Coverage asks, for every REAL point: is at least one fake point inside its ball? The ball's radius "
        "is the distance to its k-th nearest real neighbour.",
        "Real-to-real distances d_rr: np.sort(d_rr, axis=1)[:, k] is each real point's radius (column 0 is "
        "the point itself, at distance 0). Real-to-fake distances d_rf: d_rf.min(axis=1) is each real point's "
        "nearest fake.",
        "return float((d_rf.min(axis=1) < np.sort(d_rr, axis=1)[:, k]).mean()): strictly closer than the "
        "radius, boundary excluded.",
    ],
    "coverage",
)
def _check_coverage(coverage: Any) -> None:
    from qgan_helpers.metrics.prdc import prdc

    expect(callable(coverage), "coverage should be a function of (real, fake, k=5)")
    rng = np.random.default_rng(5)
    for n, m, k, shift in ((40, 35, 5, 0.5), (30, 60, 3, 1.5), (50, 50, 1, 0.0)):
        real, fake = rng.normal(size=(n, 3)), rng.normal(size=(m, 3)) + shift
        what = f"coverage(real, fake, k={k})"
        got = as_scalar(coverage(real, fake, k), what)
        want = prdc(real, fake, k=k).coverage
        if abs(got - want) < 1e-9:
            continue
        d_rr = np.linalg.norm(real[:, None] - real[None], axis=-1)
        off_by_one = np.sort(d_rr, axis=1)[:, k - 1]
        d_rf = np.linalg.norm(real[:, None] - fake[None], axis=-1)
        expect(abs(got - float((d_rf.min(1) < off_by_one).mean())) > 1e-9,
               "the radius is the distance to the k-th nearest OTHER real point: column 0 of the sorted "
               "distances is the point itself, so take column k")
        expect(abs(got - prdc(real, fake, k=k).recall) > 1e-9, "this is recall; coverage uses the REAL points' balls")
        expect(False, f"{what} should be {want:.4f}, got {got:.4f}")


@register(
    "ex-measuring-beat-pca",
    "Train a classical GAN of at most 2,000 parameters that covers more zeros than the PCA-Gaussian",
    [
        "You do not need to write a network: the packaged recipe trains a classical generator for you, and "
        "its classical_budget caps the parameter count. Try a few budgets and score each on coverage.",
        "ck = train_patch_qgan(0, classical=True, classical_budget=1000, seed=0, progress=False) trains in "
        "seconds; compare its coverage with the PCA-Gaussian's in the table above "
        "(evaluate_generator(ck.generator, 0)).",
        "def beat_pca(): return train_patch_qgan(0, classical=True, classical_budget=1000, seed=0, "
        "progress=False).generator  -- if that budget does not cover more, try 300 or 2000 (at most 2,000 "
        "parameters).",
    ],
    "beat_pca",
)
def _check_beat_pca(beat_pca: Any) -> None:
    from qgan_helpers.metrics.datasets import real_images
    from qgan_helpers.metrics.references import PCAGaussian
    from qgan_helpers.metrics.suite import evaluate_generator, evaluate_images

    expect(callable(beat_pca), "beat_pca should be a function that trains and returns a generator")
    generator = beat_pca()
    expect(isinstance(generator, torch.nn.Module),
           f"beat_pca() should return the trained generator (ck.generator), got {type(generator).__name__}")
    params = int(sum(p.numel() for p in generator.parameters() if p.requires_grad))
    expect(params <= 2000, f"the generator has {params} parameters; the budget is at most 2,000")
    train, _ = real_images("digits", "train", digit=0)
    pca = evaluate_images(PCAGaussian.fit(train, 2).sample(445, seed=0), 0, name="pca")
    mine = evaluate_generator(generator, 0, seed=7)
    expect(mine.coverage > pca.coverage,
           f"your generator's coverage is {mine.coverage:.2f}, the PCA-Gaussian's {pca.coverage:.2f}: try "
           "another budget (or check that it was trained)")
