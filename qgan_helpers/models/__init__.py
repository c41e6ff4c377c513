"""The models a GAN plays with: generators (quantum, hybrid and classical) and discriminators.

* :mod:`.generators` -- the patch, conditional, hybrid (28x28) and classical generators;
* :mod:`.discriminators` -- MLP, the seed's CNN, a quantum discriminator.

Checkpoints name a generator by its class name; :mod:`qgan_helpers.training` finds it here.
"""
