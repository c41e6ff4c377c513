"""Quantum Boltzmann machine against analytic density matrices, NumPy and PennyLane; the bQBM gradient; the RBM."""

from __future__ import annotations

import math

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.born.bars_stripes import all_bitstrings, bas_distribution
from qgan_helpers.born.qbm import QBM, fit_boltzmann, transverse_field_matrix
from qgan_helpers.born.rbm import RBM

X = np.array([[0.0, 1.0], [1.0, 0.0]])
Z = np.diag([1.0, -1.0])
I2 = np.eye(2)


def _expm_sym(h: np.ndarray) -> np.ndarray:
    """Independent NumPy matrix exponential of a real symmetric matrix via its eigendecomposition."""
    lam, u = np.linalg.eigh(h)
    return (u * np.exp(lam)) @ u.T


def _set(model: QBM, b, w) -> QBM:
    with torch.no_grad():
        model.b.copy_(torch.as_tensor(b, dtype=torch.float64))
        model.w.copy_(torch.as_tensor(w, dtype=torch.float64))
    return model


# --- analytic density matrices ------------------------------------------------------------------
@pytest.mark.parametrize("b, gamma", [(0.0, 1.0), (0.7, 0.0), (-0.4, 1.3), (2.5, 0.2)])
def test_one_qubit_qbm_against_the_analytic_density_matrix(b, gamma):
    """H = -b Z - Gamma X  =>  rho = (I + tanh(D) (b Z + Gamma X) / D) / 2 with D = sqrt(b^2 + Gamma^2)."""
    qbm = _set(QBM(1, 0, gamma=gamma, connectivity="full"), [b], [])
    d = math.hypot(b, gamma)
    want = 0.5 * (I2 + (math.tanh(d) / d) * (b * Z + gamma * X))
    assert np.allclose(qbm.density_matrix().detach().numpy(), want, atol=1e-12)
    assert qbm.visible_probs()[0].item() == pytest.approx(0.5 * (1 + b * math.tanh(d) / d), abs=1e-12)


@pytest.mark.parametrize("w, gamma", [(0.8, 0.5), (-1.2, 1.0), (0.0, 0.7)])
def test_two_qubit_qbm_against_the_analytic_density_matrix(w, gamma):
    """b = 0: H = -w Z1Z2 - Gamma (X1 + X2) splits into |Phi->, |Psi-> (energies -w, +w) and the
    2x2 block [[-w, -2 Gamma], [-2 Gamma, w]] on |Phi+>, |Psi+> with energies -/+ E, E = sqrt(w^2 + 4 Gamma^2)."""
    qbm = _set(QBM(2, 0, gamma=gamma, connectivity="full"), [0.0, 0.0], [w])
    s = 1 / math.sqrt(2)
    phi_p, phi_m = s * np.array([1, 0, 0, 1]), s * np.array([1, 0, 0, -1])
    psi_p, psi_m = s * np.array([0, 1, 1, 0]), s * np.array([0, 1, -1, 0])
    e = math.sqrt(w * w + 4 * gamma * gamma)
    m = np.array([[-w, -2 * gamma], [-2 * gamma, w]])
    block = math.cosh(e) * np.eye(2) - (math.sinh(e) / e) * m  # exp(-M), M^2 = E^2 I
    basis = np.stack([phi_p, psi_p], axis=1)
    unnorm = basis @ block @ basis.T + math.exp(w) * np.outer(phi_m, phi_m) + math.exp(-w) * np.outer(psi_m, psi_m)
    z = 2 * math.cosh(e) + math.exp(w) + math.exp(-w)
    assert np.trace(unnorm) == pytest.approx(z)
    assert np.allclose(qbm.density_matrix().detach().numpy(), unnorm / z, atol=1e-12)


def test_hamiltonian_matches_pennylane_and_general_rho_matches_numpy():
    rng = np.random.default_rng(0)
    qbm = _set(QBM(2, 1, gamma=0.6, connectivity="full"), rng.normal(size=3), rng.normal(size=3))
    b, w = qbm.b.detach().numpy(), qbm.w.detach().numpy()
    coeffs, ops = [], []
    for i in range(3):
        coeffs += [-b[i], -0.6]
        ops += [qml.PauliZ(i), qml.PauliX(i)]
    for k, (i, j) in enumerate(qbm.pairs):
        coeffs.append(-w[k])
        ops.append(qml.PauliZ(i) @ qml.PauliZ(j))
    h_pl = np.real(qml.matrix(qml.Hamiltonian(coeffs, ops), wire_order=[0, 1, 2]))
    assert np.allclose(qbm.hamiltonian().detach().numpy(), h_pl, atol=1e-12)
    rho = _expm_sym(-h_pl)
    rho /= np.trace(rho)
    assert np.allclose(qbm.density_matrix().detach().numpy(), rho, atol=1e-10)
    # P(v) = partial trace over the hidden qubit of the diagonal
    assert np.allclose(qbm.visible_probs().detach().numpy(), np.diag(rho).reshape(4, 2).sum(1), atol=1e-10)
    # rho is a state: symmetric, trace 1, positive
    r = qbm.density_matrix().detach().numpy()
    assert np.allclose(r, r.T) and np.trace(r) == pytest.approx(1.0) and np.linalg.eigvalsh(r).min() > 0


def test_transverse_field_matrix_is_sum_of_x():
    want = np.kron(X, I2) + np.kron(I2, X)
    assert np.array_equal(transverse_field_matrix(2).numpy(), want)


# --- the bound and its gradient -----------------------------------------------------------------
def test_bound_gradient_equals_autograd_of_the_bound():
    torch.manual_seed(0)
    qbm = QBM(4, 2, gamma=0.7, init_scale=0.5, init_seed=3)
    with torch.no_grad():
        qbm.b.normal_(0, 0.3)
    p = bas_distribution(2, 2)
    qbm.zero_grad()
    qbm.bound_nll(p).backward()
    auto = torch.cat([qbm.b.grad, qbm.w.grad])
    assert torch.allclose(qbm.bound_gradient(p), auto, atol=1e-8)


def test_at_zero_field_the_bound_is_tight_and_gives_the_exact_gradient():
    qbm = QBM(4, 2, gamma=0.0, init_scale=0.5, init_seed=1)
    p = bas_distribution(2, 2)
    assert qbm.bound_nll(p).item() == pytest.approx(qbm.nll(p).item(), abs=1e-10)
    qbm.zero_grad()
    qbm.nll(p).backward()
    exact = torch.cat([qbm.b.grad, qbm.w.grad])
    assert torch.allclose(qbm.bound_gradient(p), exact, atol=1e-8)
    qbm.gamma = 1.0  # with a transverse field the bound lies above the exact NLL (Golden-Thompson)
    assert qbm.bound_nll(p).item() > qbm.nll(p).item() + 1e-6


def test_clamped_hidden_expectation_matches_amin_closed_form():
    """Restricted QBM, one data pattern v: <Z_h>_v = b_eff tanh(D) / D, b_eff = b_h + sum_i w_ih v_i, D = sqrt(b_eff^2 + Gamma^2)."""
    gamma = 0.8
    qbm = QBM(2, 2, gamma=gamma, init_scale=0.7, init_seed=4)
    with torch.no_grad():
        qbm.b.copy_(torch.tensor([0.1, -0.2, 0.3, 0.5], dtype=torch.float64))
    p = np.zeros(4)
    p[2] = 1.0  # v = (1, 0): spins (-1, +1)
    pos = qbm.positive_phase(p).numpy()
    w = np.zeros((2, 2))
    for k, (i, j) in enumerate(qbm.pairs):
        w[i, j - 2] = qbm.w[k].item()
    spins = np.array([-1.0, 1.0])
    for h in range(2):
        b_eff = qbm.b[2 + h].item() + spins @ w[:, h]
        d = math.hypot(b_eff, gamma)
        assert pos[2 + h] == pytest.approx(b_eff * math.tanh(d) / d, abs=1e-10)
    assert pos[:2].tolist() == pytest.approx(spins.tolist())


# --- the classical baseline -----------------------------------------------------------------------
def test_rbm_probabilities_against_brute_force_numpy():
    rbm = RBM(3, 2, init_scale=0.8, init_seed=2)
    with torch.no_grad():
        rbm.a.copy_(torch.tensor([0.2, -0.5, 0.1], dtype=torch.float64))
        rbm.c.copy_(torch.tensor([0.3, -0.1], dtype=torch.float64))
    a, c, W = (t.detach().numpy() for t in (rbm.a, rbm.c, rbm.W))
    v, h = all_bitstrings(3), all_bitstrings(2)
    weight = np.exp(v @ a)[:, None] * np.exp(h @ c)[None, :] * np.exp(v @ W @ h.T)
    want = weight.sum(1) / weight.sum()
    assert np.allclose(rbm.visible_probs().detach().numpy(), want, atol=1e-12)


def test_qbm_without_field_is_an_rbm_in_spin_variables():
    """x = (1 - z)/2 maps an RBM (a, c, W) to a restricted QBM with w = W/4, b_v = -(a/2 + W 1/4), b_h = -(c/2 + W^T 1/4)."""
    rbm = RBM(4, 2, init_scale=1.0, init_seed=7)
    with torch.no_grad():
        rbm.a.normal_(0, 0.5)
        rbm.c.normal_(0, 0.5)
    a, c, W = (t.detach() for t in (rbm.a, rbm.c, rbm.W))
    qbm = QBM(4, 2, gamma=0.0)
    b = torch.cat([-(a / 2 + W.sum(1) / 4), -(c / 2 + W.sum(0) / 4)])
    w = torch.stack([W[i, j - 4] / 4 for i, j in qbm.pairs])
    _set(qbm, b, w)
    assert torch.allclose(qbm.visible_probs(), rbm.visible_probs(), atol=1e-12)
    assert qbm.n_params == rbm.n_params == 14


def test_fit_boltzmann_lowers_kl_for_qbm_and_rbm():
    p = bas_distribution(2, 2)
    for model, grad in ((QBM(4, 2, gamma=0.5), "bound"), (QBM(4, 1, gamma=0.5), "exact"), (RBM(4, 2), None)):
        fit = fit_boltzmann(model, p, steps=20, lr=0.1, gradient=grad, eval_every=10)
        assert fit.eval_step.tolist() == [0, 10, 20]
        assert fit.kl[-1] < fit.kl[0] and fit.metrics["kl"] == pytest.approx(fit.kl[-1])
        assert 0 < fit.metrics["chi"] <= 1


def test_qbm_samples_follow_the_visible_distribution():
    qbm = QBM(2, 1, gamma=0.4, init_scale=1.0, init_seed=5)
    q = qbm.visible_probs().detach().numpy()
    bits = qbm.sample(8000, seed=1)
    assert bits.shape == (8000, 2)
    hist = np.bincount(bits @ np.array([2, 1]), minlength=4) / 8000
    assert np.all(np.abs(hist - q) < 5 * np.sqrt(q * (1 - q) / 8000) + 1e-3)


# --- bad input --------------------------------------------------------------------------------
def test_bad_input_too_many_qubits_for_exact_simulation():
    with pytest.raises(ValueError, match=r"n_visible \+ n_hidden: expected at most 8 qubits for exact simulation .* got 9 \+ 2 = 11"):
        QBM(9, 2)


def test_bad_input_data_shape_and_values():
    qbm = QBM(4, 2)
    expected = r"p_data: expected a distribution over the 16 visible bit strings \(shape \(16,\)\), got shape \(8,\)"
    with pytest.raises(ValueError, match=expected):
        qbm.nll(np.full(8, 1 / 8))
    with pytest.raises(ValueError, match="p_data: expected probabilities summing to 1"):
        fit_boltzmann(qbm, np.full(16, 0.1))
    with pytest.raises(ValueError, match="p_data: expected non-negative probabilities"):
        qbm.bound_nll(np.r_[-0.5, 1.5, np.zeros(14)])


def test_bad_input_model_settings():
    with pytest.raises(ValueError, match="gamma: expected a number >= 0"):
        QBM(2, 1, gamma=-0.1)
    with pytest.raises(ValueError, match="connectivity: 'restricted' couples visible to hidden qubits only; expected n_hidden >= 1, got 0"):
        QBM(3, 0)
    with pytest.raises(ValueError, match="connectivity: expected one of \\['restricted', 'full'\\]"):
        QBM(3, 1, connectivity="chimera")
    with pytest.raises(ValueError, match="gradient: an RBM is trained with its exact gradient"):
        fit_boltzmann(RBM(4, 2), bas_distribution(2, 2), gradient="bound")
    with pytest.raises(TypeError, match="model: expected a QBM or an RBM, got str"):
        fit_boltzmann("qbm", bas_distribution(2, 2))
    with pytest.raises(ValueError, match=r"n_visible: expected an integer in 1\.\.16, got 17"):
        RBM(17, 1)
