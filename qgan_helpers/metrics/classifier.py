"""Which digit does a generated image show? The feature network as a digit classifier.

* :func:`digit_classifier` -- the feature network of :mod:`qgan_helpers.metrics.features` with its
  held-out accuracy (trained on the training split only).
* :func:`classifier_score` -- how many samples show the intended digit, and how many different
  digits appear (class coverage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.metrics.datasets import dataset_spec, real_images
from qgan_helpers.metrics.features import FeatureNet, feature_network, predict_digits

__all__ = ["DigitClassifier", "digit_classifier", "ClassifierScore", "classifier_score"]


@dataclass
class DigitClassifier:
    """The course's digit classifier (the feature network's logits), with its held-out accuracy.

    Attributes
    ----------
    network : FeatureNet
    dataset : str
    accuracy : float
        Accuracy on the held-out split, which the network never saw in training.
    n_train, n_test : int
        Sizes of the training and held-out splits.
    """

    network: FeatureNet
    dataset: str
    accuracy: float
    n_train: int
    n_test: int

    def predict(self, images: Any) -> np.ndarray:
        """Predicted digit for each image.

        Parameters
        ----------
        images : array or tensor, shape (N, H, W) or (N, H*W)
            Pixel values in ``[0, 1]``.

        Returns
        -------
        numpy.ndarray of int, shape (N,)
        """
        return predict_digits(images, self.dataset)


def digit_classifier(dataset: str = "digits") -> DigitClassifier:
    """The shipped digit classifier of ``dataset`` (its feature network).

    Examples
    --------
    >>> clf = digit_classifier()
    >>> clf.accuracy > 0.95, clf.n_test
    (True, 896)
    """
    spec = dataset_spec(dataset)
    net = feature_network(spec.name)
    return DigitClassifier(
        network=net, dataset=spec.name, accuracy=net.accuracy,
        n_train=len(real_images(spec.name, "train")[1]), n_test=len(real_images(spec.name, "heldout")[1]),
    )


@dataclass
class ClassifierScore:
    """Result of :func:`classifier_score`.

    Attributes
    ----------
    accuracy : float or None
        Fraction of samples classified as their intended digit (``None`` when no intent was given).
    coverage : int
        How many of the 10 digits appear at least once among the predictions.
    histogram : numpy.ndarray of int, shape (10,)
        How many samples were classified as each digit.
    predictions : numpy.ndarray of int, shape (N,)
        The predicted digit of each sample.
    per_class : dict[int, float]
        For each intended digit, the fraction of its samples classified as that digit.
    """

    accuracy: float | None
    coverage: int
    histogram: np.ndarray
    predictions: np.ndarray
    per_class: dict[int, float] = field(default_factory=dict)


def classifier_score(samples: Any, intended: Any = None, classifier: DigitClassifier | None = None) -> ClassifierScore:
    """Judge generated digits with the course's classifier.

    Parameters
    ----------
    samples : array or tensor, shape (N, H, W) or (N, H*W)
        Generated images with pixels in ``[0, 1]``.
    intended : int or array of int with shape (N,), optional
        The digit each sample should show (one int for all of them). Without it only coverage and
        the histogram are computed.
    classifier : DigitClassifier, optional
        Defaults to :func:`digit_classifier` of the bundled 8x8 digits.

    Returns
    -------
    ClassifierScore

    Examples
    --------
    >>> from qgan_helpers.data import load_digits_tensors
    >>> images, labels = load_digits_tensors(digits=[3], split="heldout")
    >>> score = classifier_score(images, intended=3)
    >>> score.accuracy > 0.95, score.coverage <= 10
    (True, True)
    """
    clf = digit_classifier() if classifier is None else classifier
    if not isinstance(clf, DigitClassifier):
        raise TypeError(f"classifier: expected a DigitClassifier (see digit_classifier()), got {type(clf).__name__}")
    x = validation.image_batch("samples", samples, n_pixels=dataset_spec(clf.dataset).n_pixels)
    preds = clf.predict(x)
    n = len(preds)
    hist = np.bincount(preds, minlength=10)
    accuracy = None
    per_class: dict[int, float] = {}
    if intended is not None:
        if isinstance(intended, torch.Tensor):
            intended = intended.detach().cpu().numpy()
        target = np.asarray(intended)
        if target.ndim == 0:
            target = np.full(n, target)
        if target.shape != (n,):
            raise ValueError(f"intended: expected one digit or an array of shape ({n},), got shape {target.shape}")
        if not np.issubdtype(target.dtype, np.integer) or target.min() < 0 or target.max() > 9:
            raise ValueError(f"intended: expected digits 0..9 (integers), got {np.unique(target)[:10].tolist()}")
        hits = preds == target
        accuracy = float(hits.mean())
        per_class = {int(c): float(hits[target == c].mean()) for c in np.unique(target)}
    return ClassifierScore(
        accuracy=accuracy, coverage=int((hist > 0).sum()), histogram=hist, predictions=preds, per_class=per_class
    )
