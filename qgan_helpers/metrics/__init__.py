"""How good are generated images? A suite of measures that a blurred average cannot pass.

Every generator of the course is scored on **held-out** real images (a fixed half of each digit's
images that no model trains on), beside reference rows, never by one number:

==============================  ====================================================================
``suite``                       :func:`evaluate_images`: the whole suite for one set of samples;
                                :func:`reference_rows` and :class:`ScoreTable` print it beside the
                                reference rows (real vs real, the mean image, noise, PCA-Gaussians)
``two_sample``                  classifier two-sample test (0.5 = indistinguishable from real)
``features``                    the shipped digit feature network (8x8; 28x28 follows the same design)
``frechet``                     Fréchet distance between feature distributions ("FID with a digit network")
``prdc``                        precision, recall, density and coverage in feature space; recall and
                                coverage are what the pages call *variety* (does every kind of real
                                image get drawn?)
``memorisation``                does a generator copy its training images?
``references``                  the reference generators: mean image, pixel noise, PCA-Gaussian, ...
``mmd``                         MMD² with the median-heuristic width (or any widths)
``classifier``                  the feature network as digit classifier: accuracy, class coverage
``basic``                       parameter counts, the pixel spread over the noise, the mean squared
                                distance between two samples (none of them is variety)
``datasets``                    the real images: one fixed train / held-out split per data set
==============================  ====================================================================
"""

from qgan_helpers.metrics.basic import count_parameters, mean_squared_pair_distance, pixel_spread
from qgan_helpers.metrics.classifier import ClassifierScore, DigitClassifier, classifier_score, digit_classifier
from qgan_helpers.metrics.mmd import median_heuristic, mmd2

__all__ = [
    "mmd2",
    "median_heuristic",
    "DigitClassifier",
    "digit_classifier",
    "ClassifierScore",
    "classifier_score",
    "count_parameters",
    "pixel_spread",
    "mean_squared_pair_distance",
]
