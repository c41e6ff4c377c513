r"""Classical baselines of the Born chapter: generative models of 9-bit strings as large as the QCBM.

The course's QCBM (:mod:`qgan_helpers.born.qcbm`, 9 qubits, 6 layers of ``Rot`` gates) has
``6 * 9 * 3 = 162`` trainable angles. To say what those angles buy, this package builds *classical*
models of bit strings with at most that many parameters, each with an exact, enumerable
distribution ``q(x)`` over all ``2**n`` strings, so that they are trained and scored exactly like the
QCBM: by the same MMD loss (:func:`qgan_helpers.born.metrics.mmd2_exact`, same kernel), or by
maximum likelihood, and measured by the same KL divergence and valid rate χ.

Where each piece lives
----------------------
====================  ==========================================================================
``autoregressive``    :class:`Autoregressive` -- ``q(x) = prod_i q(x_i | x_<i)``: FVSBN (logistic
                      conditionals, ``n + n(n-1)/2`` parameters: 45 for 9 bits) or NADE (a shared
                      hidden layer of ``H`` units, ``2 n H + n``: 153 for 9 bits and ``H = 8``)
``rbm_baseline``      :class:`RBMBaseline` -- the RBM of :mod:`qgan_helpers.born.rbm` (reused, not
                      copied), ``10 h + 9`` parameters for 9 visible bits (159 at ``h = 15``)
``mps``               :class:`MPSBornMachine` -- a *classical* Born machine (Han et al. 2018), a
                      real matrix product state with ``q(x) = psi(x)**2 / Z``; with the bond
                      dimensions of :func:`mps_bond_dims` exactly 162 parameters for 9 bits
``budget``            :func:`make_baseline` -- the largest model of a kind within a parameter budget
``fitting``           :func:`fit_baseline`, :class:`BaselineFit` -- trained like
                      :func:`qgan_helpers.born.qcbm.fit_qcbm`: Adam on the exact loss of several
                      random starts at once, the start with the lowest final *training loss* kept
``effective``         :func:`effective_parameters` -- the rank of the Jacobian ``d q / d theta``:
                      how many parameters actually move the distribution
``base``              what every model shares (``forward``, ``select``, ``sample``)
====================  ==========================================================================

Examples
--------
>>> from qgan_helpers.born.bars_stripes import bas_distribution
>>> model = make_baseline("nade", n_bits=4, max_params=30, n_starts=2, init_seed=0)
>>> model.n_params, model.n_hidden                     # 2 * 4 * 3 + 4 <= 30
(28, 3)
>>> fit = fit_baseline(model, bas_distribution(2, 2), loss="nll", steps=100)
>>> fit.metrics["kl"] < 0.05 and fit.metrics["chi"] > 0.95
True
"""

from qgan_helpers.born.baselines.autoregressive import Autoregressive
from qgan_helpers.born.baselines.base import MAX_BITS
from qgan_helpers.born.baselines.budget import KINDS, make_baseline
from qgan_helpers.born.baselines.effective import effective_parameters
from qgan_helpers.born.baselines.fitting import LOSSES, BaselineFit, fit_baseline
from qgan_helpers.born.baselines.mps import MPSBornMachine, mps_bond_dims
from qgan_helpers.born.baselines.rbm_baseline import RBMBaseline

__all__ = [
    "MAX_BITS",
    "KINDS",
    "LOSSES",
    "Autoregressive",
    "RBMBaseline",
    "MPSBornMachine",
    "mps_bond_dims",
    "make_baseline",
    "BaselineFit",
    "fit_baseline",
    "effective_parameters",
]
