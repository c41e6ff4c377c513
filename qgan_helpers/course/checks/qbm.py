"""Exercises of the chapter "Quantum Boltzmann machines" (book/qbm.ipynb).

The Hamiltonian exercise is checked on random fields, couplings and transverse fields of one to three
qubits, so no written-out matrix passes. The experiment (``ex-qbm-exact``) is checked on the training
runs the learner returns: the check reads which gradient and which model each run used, and measures
each trained model's exact KL divergence itself instead of trusting a reported number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import as_number as _as_number
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []


# --------------------------------------------------------------------------------------------
@register(
    "ex-qbm-onequbit",
    "The probability of reading 0 from a one-qubit quantum Boltzmann machine",
    (
        "P(0) is the top-left entry of rho = exp(-H) / Tr exp(-H), with -H = b Z + gamma X. You need exp of a "
        "2x2 matrix whose square is a multiple of the identity.",
        "Because (b Z + gamma X)**2 = D**2 I with D = sqrt(b**2 + gamma**2), the power series of exp splits into "
        "even and odd powers: exp(b Z + gamma X) = cosh(D) I + sinh(D) (b Z + gamma X) / D.",
        "The trace of that matrix is 2 cosh(D) (Z and X have trace 0), and its top-left entry is "
        "cosh(D) + b sinh(D) / D. Divide: P(0) = (1 + b tanh(D) / D) / 2 (and 1/2 when D = 0).",
    ),
    "one_qubit_p0",
)
def _check_onequbit(one_qubit_p0: Any) -> None:
    import torch

    from qgan_helpers.born.qbm import QBM

    expect(callable(one_qubit_p0), "one_qubit_p0 should be a function of (b, gamma)")
    for b, gamma in ((1.0, 0.0), (0.0, 1.5), (0.8, 0.6), (-1.3, 0.4), (2.0, 3.0)):
        got = _as_number(one_qubit_p0(b, gamma), f"one_qubit_p0({b}, {gamma})")
        model = QBM(1, 0, gamma=gamma, connectivity="full")
        with torch.no_grad():
            model.b.fill_(b)
            want = float(model.visible_probs()[0])
        classical = 1 / (1 + math.exp(-2 * b))
        if gamma > 0 and abs(got - classical) < 1e-9 and abs(classical - want) > 1e-6:
            expect(False, f"one_qubit_p0({b}, {gamma}) = {got:.6f} ignores the transverse field: that is the "
                          "classical e^b / (e^b + e^-b)")
        expect(abs(got - want) < 1e-9, f"one_qubit_p0({b}, {gamma}) should be {want:.6f}, got {got:.6f}")


# --------------------------------------------------------------------------------------------
def _reference_hamiltonian(b: np.ndarray, w: np.ndarray, gamma: float) -> np.ndarray:
    import torch

    from qgan_helpers.born.qbm import QBM

    n = len(b)
    model = QBM(n, 0, gamma=gamma, connectivity="full")
    with torch.no_grad():
        model.b.copy_(torch.as_tensor(b))
        model.w.copy_(torch.as_tensor([w[i, j] for i, j in model.pairs], dtype=torch.float64))
        return model.hamiltonian().numpy()


@register(
    "ex-qbm-hamiltonian",
    "The transverse-field Ising Hamiltonian of n qubits as a 2**n x 2**n matrix",
    (
        "Every term of H is a Kronecker product of n two-by-two matrices, one per qubit: Z or X on the qubits "
        "the term names, the identity on all others.",
        "Write a helper op(single, wire) that Kronecker-multiplies the identity on every wire except `wire`, where "
        "it puts `single`. Wire 0 is the leftmost factor (the most significant bit, as in qml.probs).",
        "H = -sum_i b[i] op(Z, i) - sum_{i<j} w[i, j] op(Z, i) @ op(Z, j) - gamma * sum_i op(X, i), with "
        "Z = diag(1, -1) and X = [[0, 1], [1, 0]]; only the upper triangle of w (i < j) is used.",
    ),
    "tfim_hamiltonian",
)
def _check_hamiltonian(tfim_hamiltonian: Any) -> None:
    expect(callable(tfim_hamiltonian), "tfim_hamiltonian should be a function of (b, w, gamma)")
    rng = np.random.default_rng(2018)
    cases = [(np.array([0.7]), np.zeros((1, 1)), 0.0), (np.array([0.0]), np.zeros((1, 1)), 1.0)]
    for n in (2, 3, 3):
        cases.append((rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1), float(rng.uniform(0.2, 2.0))))
    for b, w, gamma in cases:
        n = len(b)
        what = f"tfim_hamiltonian(<b of {n}>, <w of {n}x{n}>, {gamma:.2f})"
        got = _as_array(tfim_hamiltonian(b.copy(), w.copy(), gamma), what)
        expect(got.shape == (2**n, 2**n), f"{what} should be a {2**n} x {2**n} matrix, got shape {got.shape}")
        want = _reference_hamiltonian(b, w, gamma)
        if np.allclose(got, want, atol=1e-9):
            continue
        expect(not np.allclose(got, -want, atol=1e-9), f"{what} has the opposite sign: H = -sum b Z - sum w ZZ "
               "- gamma sum X (the minus signs make large b favour bit 0)")
        expect(np.allclose(np.diag(got), np.diag(want), atol=1e-9),
               f"{what}: the diagonal (the fields and couplings) should be {np.round(np.diag(want), 3).tolist()}, "
               f"got {np.round(np.diag(got), 3).tolist()}; wire 0 is the most significant bit (leftmost factor)")
        expect(False, f"{what}: the diagonal is right but the off-diagonal part is not; the transverse field "
               "adds -gamma X on every qubit (an X on one wire, the identity on the others)")


# --------------------------------------------------------------------------------------------
@register(
    "ex-qbm-exact",
    "An experiment: is the bound to blame? Train the Gamma = 1 QBM with the exact gradient and with the bound",
    (
        "fit_boltzmann does the training; its argument gradient= chooses between the bound (\"bound\") and "
        "the exact likelihood gradient (\"exact\", autograd through the matrix exponential).",
        "Build two identical models, QBM(4, 3, gamma=1.0, init_seed=0), one for each gradient, and train each "
        "on bas_distribution(2, 2) with the same steps and learning rate (lr=0.1) as the page.",
        "return {\"bound\": fit_boltzmann(QBM(4, 3, gamma=1.0, init_seed=0), p22, steps=steps, lr=0.1, "
        "gradient=\"bound\"), \"exact\": fit_boltzmann(..., gradient=\"exact\")}; then compare "
        "fits[\"exact\"].metrics[\"kl\"] with fits[\"bound\"].metrics[\"kl\"].",
    ),
    "bound_or_exact",
    points=2,
)
def _check_exact(bound_or_exact: Any) -> None:
    import torch

    from qgan_helpers.born.bars_stripes import bas_distribution
    from qgan_helpers.born.metrics import distribution_metrics
    from qgan_helpers.born.qbm import QBM, BoltzmannFit

    expect(callable(bound_or_exact), "bound_or_exact should be a function of steps")
    steps = 200
    fits = bound_or_exact(steps)
    what = f"bound_or_exact({steps})"
    expect(isinstance(fits, dict) and set(fits) == {"bound", "exact"},
           f"{what} should return a dict with the keys 'bound' and 'exact', got {type(fits).__name__}"
           + (f" with keys {sorted(fits)}" if isinstance(fits, dict) else ""))
    p = bas_distribution(2, 2)
    measured = {}
    for name, fit in fits.items():
        expect(isinstance(fit, BoltzmannFit), f"{what}[{name!r}] should be what fit_boltzmann returns, got "
               f"{type(fit).__name__}")
        model = fit.model
        expect(isinstance(model, QBM), f"{what}[{name!r}] trained a {type(model).__name__}; the question is about "
               "the QBM")
        expect((model.n_visible, model.n_hidden) == (4, 3) and model.connectivity == "restricted",
               f"{what}[{name!r}] trained a QBM with {model.n_visible} visible and {model.n_hidden} hidden qubits "
               f"({model.connectivity}); use the page's QBM(4, 3, ...)")
        expect(abs(model.gamma - 1.0) < 1e-12, f"{what}[{name!r}] has Gamma = {model.gamma:g}; the question is "
               "about Gamma = 1")
        expect(fit.gradient == name, f"{what}[{name!r}] was trained with the {fit.gradient!r} gradient; "
               f"pass gradient={name!r} to fit_boltzmann")
        expect(fit.steps >= steps, f"{what}[{name!r}] trained {fit.steps} steps; train the {steps} asked for")
        with torch.no_grad():
            measured[name] = distribution_metrics(p, model.visible_probs())["kl"]
        expect(abs(measured[name] - fit.metrics["kl"]) < 1e-9,
               f"{what}[{name!r}]: the model's KL is {measured[name]:.4f}, but the fit reports "
               f"{fit.metrics['kl']:.4f}; return the fit together with the model it trained")
        expect(measured[name] < fit.kl[0] / 10, f"{what}[{name!r}] ends at KL = {measured[name]:.4f}, not far "
               f"below its start ({fit.kl[0]:.4f}): was it trained?")
    expect(fits["bound"].settings.get("init_seed") == fits["exact"].settings.get("init_seed"),
           f"{what}: the two runs start from different initialisations (init_seed "
           f"{fits['bound'].settings.get('init_seed')} and {fits['exact'].settings.get('init_seed')}); "
           "a fair comparison changes only the gradient")
