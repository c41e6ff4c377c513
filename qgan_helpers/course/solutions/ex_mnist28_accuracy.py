import numpy as np

from qgan_helpers.metrics import classifier_score, digit_classifier
from qgan_helpers.models import generate


def digit_accuracies(generator, n=100, seed=0):
    """For each digit d: the share of n samples of d that the 28x28 feature network reads as d."""
    clf = digit_classifier("mnist")
    shares = []
    for d in range(10):
        images = generate(generator, n, seed=seed + d, labels=d, image_shape=(28, 28))
        shares.append(classifier_score(images, intended=d, classifier=clf).accuracy)
    return np.array(shares)
