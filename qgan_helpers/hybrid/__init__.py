"""The seed article's 28x28 hybrid QGAN: its faithful reproduction, the fixed version, the baselines.

The seed's generator is a 4-qubit circuit of two hardware-efficient layers (RX·RY·RZ on every
wire, then a CNOT chain), read out as four Pauli-Z expectation values, followed by a small
fully-connected decoder to 784 pixels; its discriminator is a small CNN; both are trained with
binary cross-entropy and Adam (learning rate 1e-3). As written it has two defects:

1. the latent vector ``z`` is drawn but never enters the circuit, so every sample is the same image;
2. the decoder has no output activation, so "pixels" are unbounded, while the data lie in ``[0, 1]``.

:mod:`.recipe` packages four training runs on 28x28 images (:func:`train_hybrid_qgan`), all through
:func:`qgan_helpers.training.train_gan` (by way of :func:`qgan_helpers.training.recipe.run_recipe`)
with the seed's CNN discriminator (:class:`~qgan_helpers.models.discriminators.CNNDiscriminator`):

``variant="seed"``
    the seed, faithfully: :class:`~qgan_helpers.models.hybrid.HybridQuantumGenerator` with
    ``encoding="none"``, ``activation="none"``, Adam 1e-3 (default betas) for both players, no
    stabilisers (:data:`SEED_SETTINGS`);
``variant="fixed"``
    ``z`` angle-encoded (or amplitude-encoded with ``encoding="amplitude"``), a sigmoid output,
    the stabilisers of the training chapter (R1 penalty, EMA of the generator, cosine decay), and a
    decoder that can draw digits and enough numbers for it: 16 blocks of the seed's 4-qubit
    circuit side by side (64 numbers) and a convolutional decoder
    (:class:`~qgan_helpers.models.hybrid.ConvDecoder`) against a wider CNN (:data:`HYBRID_DEFAULTS`);
``variant="classical"``
    the fixed model's decoder behind a classical layer in place of the circuits (output ``i`` is
    ``tanh(a_i u_i + c_i u_{i+1} + b_i)`` with ``u = z - pi/2``), with at most as many trainable
    parameters as the fixed hybrid (with ``decoder_kind="mlp"``: a
    :class:`~qgan_helpers.models.classical.ClassicalGenerator` of at most as many), same budget;
``variant="direct"``
    the fixed hybrid's decoder fed with classical noise directly (no circuit), same budget -- what
    the circuit adds on top of its decoder.

Measuring 28x28 samples (:mod:`.data`)
--------------------------------------
:func:`digit_score` shrinks 28x28 images to 8x8 (:func:`qgan_helpers.data.upsample`, bilinear with
anti-aliasing) and asks the course's 8x8 classifier (:func:`qgan_helpers.metrics.digit_classifier`).
It is cheap, so the training runs use it (with MMD² of the shrunk images,
:func:`qgan_helpers.metrics.mmd2`, sigma 2) to watch their progress every ``eval_every`` steps. For
real MNIST it is only a proxy (different framing and stroke width; :func:`shrink_accuracy` measures
how good a proxy on labelled images). The scores that count are the suite's at full size:
:func:`qgan_helpers.metrics.suite.evaluate_images` with ``dataset="mnist"`` (the 28x28 feature
network, the held-out half of the MNIST sample). :func:`hybrid_data` picks the images.

The circuit as a feature extractor (:mod:`.features`)
-----------------------------------------------------
:func:`circuit_features` pushes *images* through a trained generator's circuit: the image is
average-pooled to the circuit's input size (``2**n`` numbers for amplitude encoding, one number
times pi per latent angle for angle encoding) and the read-out (``n`` Pauli-Z expectation values per
block) is the features.
:func:`feature_table` compares a logistic regression on those features with the same classifier on
the raw pixels and on random features of the same dimension, on a held-out split.

Every public name is re-exported here: ``from qgan_helpers.hybrid import train_hybrid_qgan`` works.
"""

from qgan_helpers.hybrid.data import UPSAMPLED_DIGITS_SOURCE, digit_score, hybrid_data, shrink, shrink_accuracy
from qgan_helpers.hybrid.features import circuit_features, feature_table, pool_inputs, random_features
from qgan_helpers.hybrid.recipe import HYBRID_DEFAULTS, SEED_SETTINGS, VARIANTS, make_generator, train_hybrid_qgan

__all__ = [
    "VARIANTS",
    "SEED_SETTINGS",
    "HYBRID_DEFAULTS",
    "UPSAMPLED_DIGITS_SOURCE",
    "hybrid_data",
    "shrink",
    "digit_score",
    "shrink_accuracy",
    "make_generator",
    "train_hybrid_qgan",
    "pool_inputs",
    "circuit_features",
    "random_features",
    "feature_table",
]
