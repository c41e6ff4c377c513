"""Helper package for the course *Quantum Generative Models for Image Generation*.

Each module holds one concept that the chapters reuse:

========================  =====================================================
``devices``               simulator factory, shots, memory estimates
``circuits``              the seed's hardware-efficient layer, the patch layer, latent encodings
``expressibility``        expressibility (KL to Haar) and Meyer--Wallach entanglement
``measurement``           expectation values, probabilities, samples, ancilla post-selection
``data``                  the bundled 8x8 digits, MNIST with an honest offline fallback
``plotting``              image grids, loss curves, circuit drawings
``seeding``               one call seeds Python, NumPy and torch
``checks``                the exercise checkers used in the notebooks
========================  =====================================================

Modules are imported lazily (``import qgan_helpers.devices``), so that ``import qgan_helpers``
stays cheap.
"""

__version__ = "0.1.0"
