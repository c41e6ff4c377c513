from qgan_helpers.born.bars_stripes import bas_distribution
from qgan_helpers.born.qbm import QBM, fit_boltzmann


def bound_or_exact(steps):
    """The Gamma = 1 QBM trained twice from the same start: with the bound and with the exact gradient."""
    p22 = bas_distribution(2, 2)
    return {
        gradient: fit_boltzmann(
            QBM(4, 3, gamma=1.0, init_seed=0), p22, steps=steps, lr=0.1, gradient=gradient
        )
        for gradient in ("bound", "exact")
    }
