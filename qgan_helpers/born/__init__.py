"""Born machines and Boltzmann machines: models whose samples are measurement outcomes.

* :mod:`.bars_stripes` -- the bars-and-stripes data set and all bit strings;
* :mod:`.qcbm` -- the quantum circuit Born machine, its simulator and its MMD training
  (its circuit and CNOT topologies in :mod:`.qcbm_circuit`);
* :mod:`.qbm`, :mod:`.rbm` -- the quantum Boltzmann machine (exact, bound-based gradient) and the RBM;
* :mod:`.baselines` -- classical models of the same parameter count (NADE, RBM, MPS, FVSBN);
* :mod:`.metrics` -- KL divergence, valid-pattern rate and coverage of sampled bit strings;
* :mod:`.prior` -- a QCBM as the latent prior of a GAN;
* :mod:`.runs` -- the Born chapter's training runs and sampling (the command line calls them).
"""

PRIORS = ("qcbm", "bits", "gaussian")
"""Latent priors of :class:`.prior.PriorGAN` (here, so that the command line can list them without
importing the models)."""
