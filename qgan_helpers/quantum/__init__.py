"""Quantum building blocks: simulators, circuits, measurement, and what the circuits can express.

* :mod:`.devices` -- simulator factory, shots, memory estimates;
* :mod:`.engine` -- the batched torch state vector the fast simulators share (patch replay, hybrid, QCBM);
* :mod:`.circuits` -- the seed's hardware-efficient layer, the patch layer, latent encodings;
* :mod:`.measurement` -- expectation values, probabilities, samples (checks in :mod:`.probability_checks`);
* :mod:`.postselection` -- the patch method's readout: ancilla post-selection, probabilities to pixels;
* :mod:`.expressibility` -- expressibility (KL divergence to Haar) and Meyer--Wallach entanglement;
* :mod:`.gradients` -- gradient variance: barren plateaus (ingredients in :mod:`.gradient_setup`);
* :mod:`.shot_gradients` -- parameter-shift estimates from finite shots and their remedies;
* :mod:`.memory` -- the memory that backpropagation through a simulated circuit keeps.

Nothing here knows about images or training: the models (:mod:`qgan_helpers.models`) build on it.
"""
