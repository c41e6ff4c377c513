"""The hybrid QGAN on real MNIST: its data choice, and the suite's speed-ups for 28x28 images."""

from __future__ import annotations

import numpy as np
import pytest

from qgan_helpers.cli import build_parser
from qgan_helpers.data import MNIST_SAMPLE_SOURCE
from qgan_helpers.hybrid import UPSAMPLED_DIGITS_SOURCE, hybrid_data
from qgan_helpers.metrics import mmd as mmd_module
from qgan_helpers.metrics.datasets import real_images
from qgan_helpers.metrics.features import features, predict_digits, predict_from_features
from qgan_helpers.metrics.mmd import mmd2


def test_hybrid_data_defaults_to_real_mnist_and_upsampled_digits_need_asking():
    data = hybrid_data(root="/nonexistent", train=False)
    assert data.source == MNIST_SAMPLE_SOURCE and tuple(data.images.shape[1:]) == (28, 28)
    up = hybrid_data("digits-upsampled", train=True, limit=7)
    assert up.source == UPSAMPLED_DIGITS_SOURCE and "not MNIST" in up.source
    assert tuple(up.images.shape) == (7, 28, 28) and float(up.images.min()) >= 0.0


def test_train_hybrid_data_flag():
    parser = build_parser()
    args = parser.parse_args(["train", "hybrid", "--out", "x.pt"])
    assert args.data == "mnist"
    args = parser.parse_args(["train", "hybrid", "--data", "digits-upsampled", "--out", "x.pt"])
    assert args.data == "digits-upsampled"
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "hybrid", "--data", "cifar", "--out", "x.pt"])


def test_mmd2_large_inputs_match_the_broadcast(monkeypatch):
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 30)), rng.random((50, 30))
    exact = mmd2(x, y, 1.5)
    monkeypatch.setattr(mmd_module, "_BROADCAST_LIMIT", 0)  # force the matrix-product path
    assert mmd2(x, y, 1.5) == pytest.approx(exact, rel=1e-9, abs=1e-12)
    assert mmd2(x, x, 1.5) == pytest.approx(0.0, abs=1e-12)


def test_mmd2_of_2500_mnist_images_fits_in_memory():
    held, _ = real_images("mnist", "heldout")
    assert len(held) == 2500
    value = mmd2(held[:1250], held[1250:], 5.0)  # 1250 x 1250 x 784 would be 7.7 GB as a broadcast
    assert 0.0 <= value < 0.05


def test_predict_from_features_matches_predict_digits():
    held, labels = real_images("mnist", "heldout")
    x = held[:300]
    assert (predict_from_features(features(x, "mnist"), "mnist") == predict_digits(x, "mnist")).all()
    assert (predict_digits(x, "mnist") == labels[:300]).mean() > 0.9
    with pytest.raises(ValueError, match="feats"):
        predict_from_features(np.zeros((3, 5)), "mnist")
