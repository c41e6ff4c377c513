"""Helper package for the course *Quantum Generative Models for Image Generation*.

Each module holds one concept that the chapters reuse:

============================  ======================================================================================
``devices``                   simulator factory, shots, memory estimates
``circuits``                  the seed's hardware-efficient layer, the patch layer, latent encodings
``expressibility``            expressibility (KL to Haar) and Meyer--Wallach entanglement
``measurement``               expectation values, probabilities, samples, ancilla post-selection
``data``                      the bundled 8x8 digits; MNIST, Fashion-MNIST, CIFAR-10 with an honest offline fallback
``plotting``                  image grids, loss curves, circuit drawings
``seeding``                   one call seeds Python, NumPy and torch
``generators``                patch, conditional, hybrid (28x28) and classical generators
``discriminators``            MLP, the seed's CNN, a quantum discriminator
``metrics``                   MMD², the digit classifier and its scores, parameter counts, variety
``training``                  the training loop, history, checkpoints with provenance, load-or-train
``hybrid``                    the seed's 28x28 hybrid QGAN, its baselines, the circuit as a feature extractor
``bars_stripes``              the bars-and-stripes data set
``born``, ``born_metrics``    the quantum circuit Born machine, MMD loss, KL and valid-pattern rate
``qbm``, ``rbm``              quantum Boltzmann machine (exact, bound-based gradient) and classical RBM
``born_prior``                a QCBM as the latent prior of a GAN
``born_runs``                 the Born chapter's training runs and sampling (the command line calls them)
``hardware``                  noisy simulators, IBM fake backends, transpilation, budgets, mitigation, real devices
``gradients``                 gradient variance: barren plateaus, shot noise and their remedies
``checks``                    the exercise checkers used in the notebooks (``solutions/``: reference solutions)
``edition``                   the student edition: its configuration and the solution-leak check
``grading``                   run students' notebooks and collect the verdicts of the checks
``cli``                       the command line ``python -m qgan_helpers train|sample``
============================  ======================================================================================

Modules are imported lazily (``import qgan_helpers.devices``), so that ``import qgan_helpers``
stays cheap.
"""

__version__ = "0.2.0"  # also in CHANGELOG.md, CITATION.cff and the site footer (_config.yml)
