"""Tests of the image yardstick: each measure on constructed cases -- a blur, a copy of the training set,
noise, a shifted copy, speckle, a collapsed generator -- proving that each catches what it is for, and
the suite, the reference rows, the feature network and the `evaluate` command line."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch

from qgan_helpers import cli
from qgan_helpers.data import load_digits_tensors
from qgan_helpers.metrics import mmd2
from qgan_helpers.metrics.datasets import real_images
from qgan_helpers.metrics.features import FeatureNet, feature_network, features, predict_digits, weights_path
from qgan_helpers.metrics.frechet import frechet_distance, gaussian_stats
from qgan_helpers.metrics.memorisation import memorisation
from qgan_helpers.metrics.prdc import pairwise_distances, prdc
from qgan_helpers.metrics.references import (
    PCAGaussian,
    mean_images,
    pca_components_for_budget,
    pixel_noise_images,
    uniform_images,
)
from qgan_helpers.metrics.suite import CLASS_KL, MEASURES, ImageScores, ScoreTable, evaluate_images, reference_rows
from qgan_helpers.metrics.two_sample import two_sample_test


@pytest.fixture(scope="module")
def zeros() -> dict[str, np.ndarray]:
    train, _ = real_images("digits", "train", digit=0)
    held, _ = real_images("digits", "heldout", digit=0)
    return {"train": train, "heldout": held}


def _shifted(images: np.ndarray, columns: int = 1) -> np.ndarray:
    """Images moved ``columns`` pixels to the right (zeros fill in on the left)."""
    x = images.reshape(-1, 8, 8)
    out = np.zeros_like(x)
    out[:, :, columns:] = x[:, :, :-columns]
    return out.reshape(len(x), -1)


def _speckled(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """Real images with a grey speckle (uniform in [0.1, 0.3]) on every dark pixel."""
    rng = np.random.default_rng(seed)
    speckle = rng.uniform(0.1, 0.3, images.shape)
    return np.where(images < 0.05, speckle, images)


@pytest.fixture(scope="module")
def cases(zeros) -> dict[str, np.ndarray]:
    train, held = zeros["train"], zeros["heldout"]
    n = len(held)
    return {
        "copy of training set": train[:n],
        "blur": mean_images(train, n),
        "noise": uniform_images(n, 64, seed=1),
        "shifted copy": _shifted(train[:n]),
        "speckle": _speckled(train[:n]),
        "collapse": np.repeat(train[:1], n, axis=0),
    }


# ---------------------------------------------------------------------------------------------- the split
def test_the_split_is_fixed_disjoint_and_half_of_each_digit():
    images, labels = load_digits_tensors()
    train_x, train_y = load_digits_tensors(split="train")
    held_x, held_y = load_digits_tensors(split="heldout")
    assert len(train_y) + len(held_y) == len(labels) == 1797
    for d in range(10):
        n_d = int((labels == d).sum())
        assert int((held_y == d).sum()) == n_d // 2
    # disjoint: no held-out image equals a training image of the same position in the data set
    flat = images.reshape(len(images), -1).numpy()
    train_rows = {r.tobytes() for r in train_x.reshape(len(train_x), -1).numpy()}
    held_rows = [r.tobytes() for r in held_x.reshape(len(held_x), -1).numpy()]
    duplicates_in_data = len(flat) - len({r.tobytes() for r in flat})
    assert sum(r in train_rows for r in held_rows) <= duplicates_in_data
    # "test" is an alias of "heldout", and the split never changes between calls
    assert np.array_equal(load_digits_tensors(split="test")[0].numpy(), held_x.numpy())


# ---------------------------------------------------------------------------------------------- feature network
def test_feature_network_is_shipped_accurate_and_frozen():
    assert weights_path("digits").is_file()
    assert weights_path("digits").with_suffix(".json").is_file()
    provenance = json.loads(weights_path("digits").with_suffix(".json").read_text())
    assert provenance["command"].startswith("python -m qgan_helpers train features --dataset digits")
    net = feature_network("digits")
    assert net.accuracy > 0.95 and provenance["heldout_accuracy"] == pytest.approx(net.accuracy, abs=1e-4)
    assert not any(p.requires_grad for p in net.parameters())
    held, labels = real_images("digits", "heldout")
    assert float((predict_digits(held) == labels).mean()) == pytest.approx(net.accuracy, abs=1e-6)
    assert features(held[:7]).shape == (7, 32)


def test_feature_network_design_serves_28x28():
    net28 = FeatureNet(28)
    assert net28.stages == 3 and net28.features(torch.zeros(2, 784)).shape == (2, 32)
    with pytest.raises(ValueError, match="image_size: expected an integer >= 4"):
        FeatureNet(2)
    with pytest.raises(ValueError, match="dataset: expected one of"):
        features(np.zeros((2, 64)), dataset="cifar")


def test_features_reject_bad_images():
    with pytest.raises(ValueError, match=r"images: expected images of shape \(N, 8, 8\) or \(N, 64\)"):
        features(np.zeros((3, 28, 28)))
    with pytest.raises(ValueError, match="images: expected finite pixel values"):
        features(np.full((3, 64), np.nan))


# ---------------------------------------------------------------------------------------------- Fréchet distance
def test_frechet_distance_closed_form_for_gaussians():
    # N(0, 1) vs N(m, s^2) in 1-d: m^2 + (1 - s)^2
    x = np.array([[-1.0], [1.0]])  # mean 0, unbiased variance 2
    y = np.array([[2.0], [6.0]])  # mean 4, variance 8
    assert frechet_distance(x, y) == pytest.approx(16 + (math.sqrt(2) - math.sqrt(8)) ** 2)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(a, 2 * a) == pytest.approx(frechet_distance(2 * a, a), rel=1e-9)
    mu, cov = gaussian_stats(a)
    assert mu.shape == (3,) and cov.shape == (3, 3)


@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.zeros((1, 3)), np.zeros((4, 3)), r"x: expected feature vectors of shape \(N, D\) with N >= 2"),
        (np.zeros((4, 3)), np.zeros((4, 2)), "y: expected feature vectors of dimension 3"),
        (np.full((4, 3), np.inf), np.zeros((4, 3)), "x: expected finite values"),
    ],
)
def test_frechet_distance_bad_inputs(x, y, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(x, y)


# ---------------------------------------------------------------------------------------------- PRDC
def test_prdc_on_a_hand_computed_case():
    real = np.array([[0.0], [1.0], [2.0], [10.0]])
    fake = np.array([[0.5], [1.5], [9.0], [20.0]])
    # k = 1: real radii 1, 1, 1, 8; fake radii 1, 1, 7.5, 11
    r = prdc(real, fake, k=1)
    assert r.precision == pytest.approx(3 / 4)  # 20 lies outside every real ball
    assert r.recall == pytest.approx(1.0)  # every real point lies in some fake ball
    assert r.coverage == pytest.approx(1.0)
    # balls containing each fake: 0.5 -> 2 (around 0 and 1), 1.5 -> 2, 9 -> 1, 20 -> 0; mean 5/4
    assert r.density == pytest.approx(5 / 4)
    assert pairwise_distances(real[:1], fake[:2]).tolist() == [[0.5, 1.5]]


def test_prdc_bad_inputs():
    with pytest.raises(ValueError, match="k: expected fewer neighbours than images"):
        prdc(np.zeros((3, 2)), np.zeros((3, 2)), k=3)
    with pytest.raises(ValueError, match="k: expected an integer >= 1"):
        prdc(np.zeros((3, 2)), np.zeros((3, 2)), k=0)


# ---------------------------------------------------------------------------------------------- two-sample test
def test_two_sample_test_is_chance_for_real_vs_real(zeros):
    result = two_sample_test(zeros["heldout"], zeros["train"], repeats=10)
    assert 0.35 < result.accuracy < 0.65, result
    assert result.n == len(zeros["heldout"]) and result.repeats == 10


def test_two_sample_test_is_balanced_and_seeded():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(300, 4)) + 10
    result = two_sample_test(a, b, seed=3)
    assert result.n == 30 and result.accuracy == 1.0
    assert two_sample_test(a, b[:40], seed=3) == two_sample_test(a, b[:40], seed=3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k": 0}, "k: expected an integer >= 1"),
        ({"folds": 1}, "folds: expected an integer >= 2"),
        ({"folds": 50}, "folds: expected at most 10 folds"),
        ({"repeats": 0}, "repeats: expected an integer >= 1"),
        ({"seed": -1}, "seed: expected an integer >= 0"),
    ],
)
def test_two_sample_test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        two_sample_test(np.zeros((10, 4)), np.ones((10, 4)), **kwargs)


# ---------------------------------------------------------------------------------------------- memorisation
def test_memorisation_flags_copies_and_only_copies(zeros, cases):
    train, held = zeros["train"], zeros["heldout"]
    assert memorisation(cases["copy of training set"], train, held).flagged
    noisy_copy = np.clip(train + 0.05 * np.random.default_rng(0).standard_normal(train.shape), 0, 1)
    assert memorisation(noisy_copy, train, held).flagged  # near-copies too
    for name in ("blur", "noise", "shifted copy", "speckle"):
        assert not memorisation(cases[name], train, held).flagged, name
    pca = PCAGaussian.fit(train, 2).sample(200, seed=0)  # close to the training images, but no copy
    assert not memorisation(pca, train, held).flagged
    result = memorisation(cases["copy of training set"], train, held)
    assert result.nearer_train == 1.0 and result.distance_ratio == 0.0


def test_memorisation_bad_inputs(zeros):
    with pytest.raises(ValueError, match="samples: expected 64 values per image like train"):
        memorisation(np.zeros((5, 10)), zeros["train"], zeros["heldout"])
    with pytest.raises(ValueError, match="heldout: expected at least 2 images"):
        memorisation(np.zeros((5, 64)), zeros["train"], zeros["heldout"][:1])


# ---------------------------------------------------------------------------------------------- references
def test_references(zeros):
    train = zeros["train"]
    assert np.allclose(mean_images(train, 3), train.mean(0))
    noise = pixel_noise_images(train, 500, seed=0)
    assert noise.shape == (500, 64) and noise.min() >= 0 and noise.max() <= 1
    assert np.all(uniform_images(4, 64).shape == (4, 64))
    pca = PCAGaussian.fit(train, 3)
    assert pca.k == 3 and pca.n_params == 64 * 4
    samples = pca.sample(2000, seed=1)
    assert samples.shape == (2000, 64) and 0 <= samples.min() and samples.max() <= 1
    # the directions carry the variance: the first one's squared length is the top eigenvalue
    top = np.linalg.eigvalsh(np.cov(train, rowvar=False))[-1]
    assert float((pca.directions[0] ** 2).sum()) == pytest.approx(top, rel=1e-8)
    assert pca_components_for_budget(64 * 6, 64) == 5
    with pytest.raises(ValueError, match="k: expected an integer in 1.."):
        PCAGaussian.fit(train, 0)
    with pytest.raises(ValueError, match=r"train: expected pixel values in \[0, 1\]"):
        mean_images(train * 3, 2)


# ---------------------------------------------------------------------------------------------- what each measure catches
@pytest.fixture(scope="module")
def scores(cases, zeros) -> dict[str, object]:
    out = {name: evaluate_images(x, 0, name=name, repeats=3) for name, x in cases.items()}
    out["floor"] = evaluate_images(zeros["train"], 0, name="floor", repeats=3)
    return out


def test_the_floor_is_near_chance_and_near_perfect(scores):
    floor = scores["floor"]
    assert 0.35 < floor.two_sample < 0.65
    assert floor.coverage > 0.9 and floor.recall > 0.9 and floor.precision > 0.85
    assert 0.7 < floor.density < 1.3 and floor.digit_accuracy > 0.95
    assert floor.copying  # the training images themselves: copies by construction


def test_a_blur_fools_mmd_at_sigma_2_but_not_the_suite(cases, zeros, scores):
    blur, floor = scores["blur"], scores["floor"]
    # MMD² with a wide kernel: the blur scores close to a set of real images ...
    speckle_mmd = mmd2(cases["speckle"], zeros["heldout"], 2.0)
    assert mmd2(cases["blur"], zeros["heldout"], 2.0) < speckle_mmd
    # ... but the two-sample test sees it, and recall and coverage collapse
    assert blur.two_sample > 0.85
    assert blur.recall < 0.05 and blur.coverage < 0.3
    assert blur.frechet > 5 * floor.frechet
    assert not blur.copying


def test_noise_fails_everything(scores):
    noise = scores["noise"]
    assert noise.two_sample > 0.95 and noise.precision < 0.05 and noise.coverage < 0.05
    assert noise.frechet > 100 * scores["floor"].frechet and noise.digit_accuracy < 0.5


def test_copying_is_caught_only_by_the_memorisation_check(scores):
    copy = scores["copy of training set"]
    assert copy.copying
    assert copy.two_sample < 0.7 and copy.coverage > 0.85  # every other measure praises a copy


def test_a_shift_and_speckle_are_caught_by_the_two_sample_test(scores):
    for name in ("shifted copy", "speckle"):
        assert scores[name].two_sample > 0.9, name
        assert not scores[name].copying, name
    assert scores["speckle"].mmd2 > 3 * scores["floor"].mmd2


def test_a_collapsed_generator_has_no_recall(scores):
    collapse = scores["collapse"]
    assert collapse.recall < 0.05 and collapse.coverage < 0.2 and collapse.two_sample > 0.85


def test_suite_bad_inputs(zeros):
    with pytest.raises(ValueError, match="samples: expected at least 89 images"):
        evaluate_images(zeros["train"][:10], 0)
    with pytest.raises(ValueError, match=r"samples: expected pixel values in \[0, 1\]"):
        evaluate_images(zeros["train"] * 2, 0)
    with pytest.raises(ValueError, match="samples: expected finite pixel values"):
        evaluate_images(np.full((100, 64), np.nan), 0)
    with pytest.raises(ValueError, match=r"samples: expected images of shape \(N, 8, 8\)"):
        evaluate_images(np.zeros((100, 28, 28)), 0)
    with pytest.raises(ValueError, match="digit: expected an integer in 0..9"):
        evaluate_images(zeros["train"], 10)


def test_reference_rows_and_table():
    rows = reference_rows(1, budget=200, pca_components=(1,), repeats=2)
    names = [r.name for r in rows]
    assert names == ["real training images (floor)", "mean image (a blur)", "mean + pixel noise", "uniform noise",
                     "PCA-Gaussian, k = 1", "PCA-Gaussian, k = 2"]
    table = ScoreTable(rows, title="digit 1")
    text = str(table)
    assert all(m.header in text for m in MEASURES) and "digit 1" in text
    html = table._repr_html_()
    assert html.startswith('<table class="table score-table">') and html.count("<tr>") == len(rows) + 2
    assert table["uniform noise"].two_sample > 0.95
    parsed = json.loads(table.to_json())
    assert [p["name"] for p in parsed] == names
    with pytest.raises(KeyError, match="name: no row called"):
        table["nothing"]


def _row(name: str, digit: int | None, digit_accuracy: float, class_kl: float) -> ImageScores:
    return ImageScores(name=name, params=None, n=10, two_sample=0.8, two_sample_spread=0.01, frechet=1.0,
                       precision=0.5, recall=0.5, density=1.0, coverage=0.5, mmd2=0.01, digit_accuracy=digit_accuracy,
                       nearer_train=0.5, copying=False, digit=digit, dataset="mnist", class_kl=class_kl)


def test_table_of_all_digit_rows_shows_class_kl_in_place_of_as_digit():
    nan = float("nan")
    table = ScoreTable([_row("a", None, nan, 0.0123), _row("b", None, nan, 1.5)])
    text = str(table)
    assert "class KL" in text and "as digit" not in text and "0.012" in text and "1.500" in text
    assert "<th>class KL</th>" in table._repr_html_()
    assert [m.key for m in table.measures()] == [CLASS_KL.key if m.key == "digit_accuracy" else m.key for m in MEASURES]
    mixed = ScoreTable([_row("a", None, nan, 0.0123), _row("b", 3, 0.9, nan)])  # one row of one digit: as before
    assert mixed.measures() == MEASURES and "as digit" in str(mixed) and "class KL" not in str(mixed)
    assert ScoreTable([]).measures() == MEASURES


# ---------------------------------------------------------------------------------------------- the command line
def test_evaluate_command_prints_the_suite_and_references(tmp_path, zeros, capsys):
    path = tmp_path / "zeros.npy"
    np.save(path, zeros["train"].reshape(-1, 8, 8).astype(np.float32))
    assert cli.main(["evaluate", str(path), "--digit", "0", "--params", "160", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "zeros.npy" in out and "PCA-Gaussian, k = 1" in out and "flagged" in out
    assert cli.main(["evaluate", str(path), "--digit", "0", "--json", "--repeats", "2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["samples"]["copying"] is True and len(payload["references"]) == 7


def test_evaluate_command_without_digit_scores_all_ten(tmp_path, capsys):
    """A generator of every digit (such as ``hybrid``) is scored against the held-out images of all ten."""
    from qgan_helpers.metrics.suite import real_images

    train, _ = real_images("digits", "train", None)
    path = tmp_path / "all.npy"
    np.save(path, train.reshape(-1, 8, 8).astype(np.float32))
    assert cli.main(["evaluate", str(path), "--json", "--repeats", "2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    row = payload["samples"]
    assert row["digit"] is None and row["n"] == len(real_images("digits", "heldout", None)[0])
    assert 0.0 <= row["class_kl"] < 0.05  # real training digits: their class shares match the held-out ones
    assert row["two_sample"] < 0.7 and len(payload["references"]) == 7
    assert all(r["digit"] is None for r in payload["references"])
    assert cli.main(["evaluate", str(path), "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "all digits: 901 generated images against the 896 held-out real images (digits)" in out
    assert "class KL" in out and "as digit" not in out


@pytest.mark.parametrize(
    "content, args, message",
    [
        (np.zeros((10, 8, 8)), ["--digit", "0"], "samples: expected at least 89 images"),
        (np.zeros((100, 8, 8)), [], r"samples: expected at least 896 images \(as many as the held-out images of all"),
        (np.full((100, 8, 8), 2.0), ["--digit", "0"], r"samples: expected pixel values in \[0, 1\]"),
        (np.full((100, 8, 8), np.nan), ["--digit", "0"], "samples: expected finite pixel values"),
        (np.zeros((100, 5, 5)), ["--digit", "0"], r"samples: expected images of shape \(N, 8, 8\)"),
        (np.array(["a", "b"]), ["--digit", "0"], "samples: expected a numeric array"),
        (np.zeros((100, 8, 8)), ["--digit", "12"], "--digit: expected a digit in 0..9"),
        (np.zeros((100, 8, 8)), ["--digit", "0", "--dataset", "imagenet"], "--dataset: expected one of"),
    ],
)
def test_evaluate_command_bad_input_is_one_line(tmp_path, capsys, content, args, message):
    path = tmp_path / "s.npy"
    np.save(path, content)
    assert cli.main(["evaluate", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qgan_helpers: error: ")
    assert re.search(message, err), err


def test_evaluate_command_missing_file(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "none.npy"), "--digit", "0"]) == 2
    assert "samples: no such file" in capsys.readouterr().err
    assert cli.main(["evaluate", str(tmp_path / "x.txt"), "--digit", "0"]) == 2
    assert "samples: expected a .npy file" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- 28x28
def test_mnist_feature_network_is_shipped_and_accurate():
    provenance = json.loads(weights_path("mnist").with_suffix(".json").read_text())
    assert provenance["command"].startswith("python -m qgan_helpers train features --dataset mnist")
    net = feature_network("mnist")
    assert net.image_size == 28 and net.stages == 3 and net.accuracy > 0.95
    held, labels = real_images("mnist", "heldout")
    assert held.shape == (2500, 784)
    assert float((predict_digits(held, "mnist") == labels).mean()) == pytest.approx(net.accuracy, abs=1e-6)


def test_mnist_suite_floor_and_blur():
    train, _ = real_images("mnist", "train", digit=3)
    floor = evaluate_images(train, 3, dataset="mnist", repeats=1)
    blur = evaluate_images(mean_images(train, 250), 3, dataset="mnist", repeats=1)
    assert floor.n == 250 and 0.35 < floor.two_sample < 0.65 and floor.coverage > 0.9
    assert blur.two_sample > 0.9 and blur.recall < 0.05
    with pytest.raises(ValueError, match=r"samples: expected images of shape \(N, 28, 28\) or \(N, 784\)"):
        evaluate_images(np.zeros((300, 8, 8)), 3, dataset="mnist")
