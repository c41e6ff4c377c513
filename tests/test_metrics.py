"""Tests of qgan_helpers.metrics: MMD² conventions and reference numbers, the median heuristic, the digit
classifier, parameter counts, the pixel spread and the mean squared pair distance. The image suite is tested in test_metrics_suite.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgan_helpers.data import load_digits_tensors
from qgan_helpers.metrics import (
    ClassifierScore,
    classifier_score,
    count_parameters,
    digit_classifier,
    mean_squared_pair_distance,
    median_heuristic,
    mmd2,
    pixel_spread,
)


def _mmd2_loops(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """Independent, deliberately naive V-statistic with explicit loops."""
    x = x.reshape(len(x), -1)
    y = y.reshape(len(y), -1)

    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * sigma**2))

    kxx = np.mean([[k(a, b) for b in x] for a in x])
    kyy = np.mean([[k(a, b) for b in y] for a in y])
    kxy = np.mean([[k(a, b) for b in y] for a in x])
    return kxx + kyy - 2 * kxy


@pytest.fixture(scope="module")
def zeros() -> np.ndarray:
    images, _ = load_digits_tensors(0)
    return images.numpy().astype(np.float64)


# ---------------------------------------------------------------------------------------------- MMD²
def test_mmd2_reference_numbers_of_the_issue(zeros):
    # "two halves of the real zeros score 0.024; uniform noise scores 0.68" (biased V-statistic, sigma=2)
    assert zeros.shape == (178, 8, 8)
    assert mmd2(zeros[:89], zeros[89:], sigma=2.0) == pytest.approx(0.0235, abs=5e-4)
    noise = np.random.default_rng(0).random((178, 8, 8))
    assert mmd2(noise, zeros, sigma=2.0) == pytest.approx(0.68, abs=0.01)


def test_mmd2_is_the_biased_v_statistic(zeros):
    # the unbiased U-statistic of the same halves would be 0.0166; ours keeps the diagonal terms
    x, y = zeros[:20], zeros[100:130]
    assert mmd2(x, y, 2.0) == pytest.approx(_mmd2_loops(x, y, 2.0), rel=1e-10)
    assert mmd2(x, y, 0.7) == pytest.approx(_mmd2_loops(x, y, 0.7), rel=1e-10)


def test_mmd2_zero_for_identical_sets_and_symmetric(zeros):
    assert mmd2(zeros, zeros) == pytest.approx(0.0, abs=1e-12)
    assert mmd2(zeros[:50], zeros[50:120]) == pytest.approx(mmd2(zeros[50:120], zeros[:50]), rel=1e-12)
    rng = np.random.default_rng(1)
    a, b = rng.random((15, 64)), rng.random((9, 64))
    assert mmd2(a, b) > 0
    assert mmd2(a, b) == pytest.approx(mmd2(b, a), rel=1e-12)


def test_mmd2_closed_form_for_two_points():
    a, b = np.zeros((3, 2, 2)), np.ones((3, 2, 2))
    # |a - b|^2 = 4: 1 + 1 - 2 exp(-4 / (2 sigma^2))
    assert mmd2(a, b, sigma=1.0) == pytest.approx(2 - 2 * np.exp(-2.0), rel=1e-12)
    assert mmd2(a, b, sigma=2.0) == pytest.approx(2 - 2 * np.exp(-0.5), rel=1e-12)


def test_mmd2_sigma_list_is_the_mean_of_kernels(zeros):
    x, y = zeros[:30], zeros[-40:]
    assert mmd2(x, y, [2.0]) == pytest.approx(mmd2(x, y, 2.0), rel=1e-12)
    mix = mmd2(x, y, [1.0, 4.0])
    assert mix == pytest.approx(0.5 * (mmd2(x, y, 1.0) + mmd2(x, y, 4.0)), rel=1e-12)


def test_mmd2_torch_matches_numpy_and_is_differentiable(zeros):
    x = torch.tensor(zeros[:40], requires_grad=True)
    y = zeros[60:100]
    value = mmd2(x, y)
    assert isinstance(value, torch.Tensor)
    assert float(value.detach()) == pytest.approx(mmd2(zeros[:40], y), rel=1e-10)
    value.backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # float32 torch inputs also work
    assert float(mmd2(torch.tensor(zeros[:40], dtype=torch.float32), torch.tensor(y))) == pytest.approx(float(value.detach()), abs=1e-5)


def test_mmd2_detects_a_shift(zeros):
    base = mmd2(zeros[:89], zeros[89:])
    shifted = mmd2(zeros[:89], np.clip(zeros[89:] + 0.3, 0, 1))
    assert shifted > 3 * base


@pytest.mark.parametrize(
    "x, y, sigma, match",
    [
        (np.zeros((3, 4)), np.zeros((3, 5)), 2.0, "y: expected samples with the same number of values as x"),
        (np.zeros((0, 4)), np.zeros((3, 4)), 2.0, "x: expected at least one sample"),
        (np.float64(1.0), np.zeros((3, 1)), 2.0, "x: expected shape"),
        (np.zeros((3, 4)), np.full((3, 4), np.nan), 2.0, "y: expected finite values"),
        (np.zeros((3, 4)), np.zeros((3, 4)), 0.0, "sigma: expected positive"),
        (np.zeros((3, 4)), np.zeros((3, 4)), -1.0, "sigma: expected positive"),
        (np.zeros((3, 4)), np.zeros((3, 4)), [], "sigma: expected a positive number or a non-empty list"),
        (np.zeros((3, 4)), np.zeros((3, 4)), [2.0, "a"], "sigma: expected positive"),
    ],
)
def test_mmd2_bad_inputs(x, y, sigma, match):
    with pytest.raises(ValueError, match=match):
        mmd2(x, y, sigma)


def test_mmd2_rejects_non_numeric():
    with pytest.raises(TypeError, match="x: expected an array or tensor of numbers"):
        mmd2([["a", "b"]], np.zeros((1, 2)))


# ---------------------------------------------------------------------------------------------- classifier
def test_digit_classifier_accuracy_and_cache():
    clf = digit_classifier()
    assert clf.accuracy > 0.95
    assert (clf.n_train, clf.n_test) == (901, 896)
    assert digit_classifier().network is clf.network  # the network is loaded once per process
    images, labels = load_digits_tensors(split="heldout")
    assert float((clf.predict(images) == labels.numpy()).mean()) == pytest.approx(clf.accuracy, abs=1e-6)


def test_classifier_score_on_real_digits():
    images, labels = load_digits_tensors(split="heldout")
    score = classifier_score(images, intended=labels)
    assert isinstance(score, ClassifierScore)
    assert score.accuracy == pytest.approx(digit_classifier().accuracy, abs=1e-6)
    assert score.coverage == 10
    assert score.histogram.shape == (10,) and score.histogram.sum() == len(labels)
    assert set(score.per_class) == set(range(10)) and min(score.per_class.values()) > 0.85
    # one int for all samples; no intent gives no accuracy
    threes, _ = load_digits_tensors(3, split="heldout")
    s3 = classifier_score(threes.reshape(len(threes), 64).numpy(), intended=3)
    assert s3.accuracy > 0.9 and s3.histogram.argmax() == 3
    assert classifier_score(threes).accuracy is None


def test_classifier_score_a_collapsed_generator_has_coverage_one():
    images, _ = load_digits_tensors(7)
    same = images[:1].repeat(50, 1, 1)
    score = classifier_score(same)
    assert score.coverage == 1 and score.histogram[7] == 50


@pytest.mark.parametrize(
    "samples, intended, match",
    [
        (np.zeros((4, 28, 28)), None, r"samples: expected images of shape \(N, 8, 8\) or \(N, 64\)"),
        (np.full((4, 8, 8), 1.5), None, r"samples: expected pixel values in \[0, 1\]"),
        (np.full((4, 8, 8), np.nan), None, "samples: expected finite pixel values"),
        (np.zeros((4, 8, 8)), np.zeros(3, dtype=int), r"intended: expected one digit or an array of shape \(4,\)"),
        (np.zeros((4, 8, 8)), 11, "intended: expected digits 0..9"),
        (np.zeros((4, 8, 8)), np.full(4, 0.5), "intended: expected digits 0..9"),
    ],
)
def test_classifier_score_bad_inputs(samples, intended, match):
    with pytest.raises(ValueError, match=match):
        classifier_score(samples, intended=intended)


def test_classifier_score_bad_classifier_and_dataset():
    with pytest.raises(TypeError, match="classifier: expected a DigitClassifier"):
        classifier_score(np.zeros((2, 8, 8)), classifier="svm")
    with pytest.raises(ValueError, match="dataset: expected one of"):
        digit_classifier("imagenet")


# ---------------------------------------------------------------------------------------------- parameters
def test_count_parameters_counts_only_trainable():
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    assert count_parameters(net) == 4 * 3 + 3 + 3 * 2 + 2
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 3 + 3 * 2 + 2
    with pytest.raises(TypeError, match="module: expected a torch.nn.Module"):
        count_parameters([1, 2])


# ---------------------------------------------------------------------------------------------- sample spread
def test_mean_squared_pair_distance_against_loops(zeros):
    x = zeros[:12].reshape(12, -1)
    pairs = [np.sum((x[i] - x[j]) ** 2) for i in range(12) for j in range(12) if i != j]
    assert mean_squared_pair_distance(zeros[:12]) == pytest.approx(np.mean(pairs), rel=1e-12)
    assert mean_squared_pair_distance(torch.tensor(zeros[:12])) == pytest.approx(np.mean(pairs), rel=1e-12)
    assert mean_squared_pair_distance(np.repeat(zeros[:1], 5, axis=0)) == pytest.approx(0.0, abs=1e-12)
    assert 2.5 < mean_squared_pair_distance(zeros) < 4.0
    with pytest.raises(ValueError, match="samples: expected at least 2 samples"):
        mean_squared_pair_distance(zeros[:1])


def test_pixel_spread_is_the_largest_pixel_std(zeros):
    x = torch.tensor(zeros[:20], dtype=torch.float32)
    assert pixel_spread(x) == float(x.reshape(20, -1).std(dim=0).max())  # same numbers as the inline form
    assert pixel_spread(zeros[:20]) == pytest.approx(float(np.asarray(zeros[:20]).reshape(20, -1).std(0, ddof=1).max()))
    assert pixel_spread(np.repeat(zeros[:1], 5, axis=0)) == 0.0  # a generator that ignores its noise
    with pytest.raises(ValueError, match="samples: expected at least 2 samples"):
        pixel_spread(zeros[:1])
    with pytest.raises(TypeError, match="samples: expected an array or tensor of numbers"):
        pixel_spread([["a", "b"], ["c", "d"]])


# ---------------------------------------------------------------------------------------------- median heuristic
def test_median_heuristic_against_loops_and_in_mmd2(zeros):
    x = zeros[:15].reshape(15, -1)
    d = [np.linalg.norm(x[i] - x[j]) for i in range(15) for j in range(i + 1, 15)]
    assert median_heuristic(zeros[:15]) == pytest.approx(np.median(d), rel=1e-10)
    width = median_heuristic(zeros[100:])
    assert mmd2(zeros[:50], zeros[100:], sigma="median") == pytest.approx(mmd2(zeros[:50], zeros[100:], width))
    with pytest.raises(ValueError, match="sigma: expected a positive number, a list of them or 'median'"):
        mmd2(zeros, zeros, sigma="mean")
    with pytest.raises(ValueError, match="images: expected at least 2 images"):
        median_heuristic(zeros[:1])
    with pytest.raises(ValueError, match="images: all images are identical"):
        median_heuristic(np.zeros((4, 8, 8)))
