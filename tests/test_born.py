"""Born machines: bars-and-stripes data, MMD/KL/chi, the QCBM against PennyLane, the QCBM prior, the CLI functions."""

from __future__ import annotations

import json
import math

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.born.bars_stripes import (
    all_bitstrings,
    bars_and_stripes,
    bas_distribution,
    bits_to_index,
    check_bits,
    index_to_bits,
    is_bars_and_stripes,
    n_patterns,
)
from qgan_helpers.born.metrics import (
    distribution_metrics,
    hamming_kernel_matrix,
    kl_divergence,
    mmd2_exact,
    sample_bitstrings_from_probs,
    sample_metrics,
    valid_rate,
)
from qgan_helpers.born.prior import AssociativePriorCallback, PriorGAN, train_prior_gan
from qgan_helpers.born.qcbm import QCBM, entangler_pairs, fit_qcbm, grid_pairs, qcbm_ansatz, torch_threads
from qgan_helpers.born.runs import load_born_checkpoint, sample_bitstrings, train_prior, train_qbm, train_qcbm
from qgan_helpers.metrics import mmd2
from qgan_helpers.models.discriminators import MLPDiscriminator
from qgan_helpers.quantum.engine import cnot_permutation


# --- bars and stripes -------------------------------------------------------------------------
def test_bas_3x3_has_exactly_14_valid_patterns():
    patterns = bars_and_stripes(3, 3)
    assert patterns.shape == (14, 9) and n_patterns(3, 3) == 14
    assert len({tuple(p) for p in patterns}) == 14
    # brute force over all 512 images: exactly 14 have all rows or all columns constant
    images = all_bitstrings(9).reshape(-1, 3, 3)
    valid = [img for img in images if all(len(set(r)) == 1 for r in img) or all(len(set(c)) == 1 for c in img.T)]
    assert len(valid) == 14
    assert {tuple(v.ravel()) for v in valid} == {tuple(p) for p in patterns}
    assert is_bars_and_stripes(patterns, 3, 3).all()
    assert is_bars_and_stripes(all_bitstrings(9), 3, 3).sum() == 14


def test_bas_2x2_by_hand_and_distribution():
    assert bars_and_stripes(2, 2).tolist() == [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]
    p = bas_distribution(2, 2)
    assert np.flatnonzero(p).tolist() == [0, 3, 5, 10, 12, 15] and np.allclose(p[p > 0], 1 / 6)
    assert n_patterns(2, 3) == 2**2 + 2**3 - 2 and n_patterns(1, 4) == 16


def test_bit_index_round_trip_matches_pennylane_order():
    bits = all_bitstrings(4)
    assert bits_to_index(bits).tolist() == list(range(16))
    assert np.array_equal(index_to_bits(np.arange(16), 4), bits)
    # PennyLane: |wire0 wire1> = |10> is index 2
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c():
        qml.PauliX(0)
        return qml.probs(wires=[0, 1])

    assert int(np.argmax(c())) == bits_to_index([[1, 0]])[0] == 2


# --- metrics ----------------------------------------------------------------------------------
def test_kernel_matrix_matches_direct_hamming_computation():
    sig = [0.25, 0.5, 1.0]
    bits = all_bitstrings(3)
    h = (bits[:, None, :] != bits[None, :, :]).sum(-1)
    want = np.mean([np.exp(-h / (2 * s * s)) for s in sig], axis=0)
    assert np.allclose(hamming_kernel_matrix(3, sig).numpy(), want, atol=1e-14)


def test_mmd_of_identical_distributions_is_zero_and_a_hand_case():
    p = bas_distribution(3, 3)
    assert mmd2_exact(p, p) == 0.0
    assert float(mmd2_exact(torch.tensor(p), torch.tensor(p))) == 0.0
    # p = (|00> + |11>)/2 vs q = (|01> + |10>)/2 with one bandwidth s: d = (v x v)/2, v = (1, -1) -> (1 - a)^2
    a = math.exp(-1 / 2)
    got = mmd2_exact([0.5, 0, 0, 0.5], [0, 0.5, 0.5, 0], sigmas=1.0)
    assert got == pytest.approx((1 - a) ** 2, abs=1e-14)


def test_exact_mmd_equals_the_sample_mmd_of_the_course_metric():
    """mmd2 of two sample sets (V-statistic) = (p^ - q^)^T K (p^ - q^) of their histograms."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 2, (40, 4)), rng.integers(0, 2, (25, 4))
    hx = np.bincount(bits_to_index(x), minlength=16) / 40
    hy = np.bincount(bits_to_index(y), minlength=16) / 25
    sig = [0.25, 0.5, 1.0]
    assert mmd2_exact(hx, hy, sigmas=sig) == pytest.approx(mmd2(x, y, sigma=sig), abs=1e-12)


def test_kl_and_chi_hand_examples():
    assert kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3))
    assert kl_divergence([0.5, 0.0, 0.0, 0.5], [0.5, 0.0, 0.0, 0.5]) == 0.0
    assert valid_rate([0.5, 0.0, 0.0, 0.5], [0.4, 0.1, 0.1, 0.4]) == pytest.approx(0.8)
    # a uniform model on 3x3: chi = 14/512, KL = log(512/14)
    m = distribution_metrics(bas_distribution(3, 3), np.full(512, 1 / 512))
    assert m["chi"] == pytest.approx(14 / 512) and m["kl"] == pytest.approx(math.log(512 / 14))
    # a missing data pattern is charged with the floor, not infinity
    assert kl_divergence([0.5, 0.5], [1.0, 0.0], eps=1e-10) == pytest.approx(0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 1e-10))


def test_sample_metrics_hand_example_and_convergence():
    out = sample_metrics([0.5, 0, 0, 0.5], np.array([[0, 0], [1, 1], [1, 1], [0, 1]]))
    assert out["chi"] == 0.75 and out["n_samples"] == 4
    assert out["kl"] == pytest.approx(0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.5))
    q = np.full(16, 0.02)
    q[bits_to_index(bars_and_stripes(2, 2))] = (1 - 10 * 0.02) / 6
    bits = sample_bitstrings_from_probs(q, 20000, seed=3)
    assert np.array_equal(bits, sample_bitstrings_from_probs(q, 20000, seed=3))
    m = sample_metrics(bas_distribution(2, 2), bits)
    assert abs(m["chi"] - 0.8) < 4 * math.sqrt(0.16 / 20000)


# --- the QCBM circuit -------------------------------------------------------------------------
def test_grid_pairs_and_permutation_match_pennylane():
    assert grid_pairs(3, 3) == [(0, 1), (1, 2), (3, 4), (4, 5), (6, 7), (7, 8), (0, 3), (1, 4), (2, 5), (3, 6), (4, 7), (5, 8)]
    pairs = entangler_pairs("grid", 4, (2, 2))

    def layer():
        for a, b in pairs:
            qml.CNOT(wires=[a, b])

    mat = np.real(qml.matrix(layer, wire_order=range(4))())
    perm = cnot_permutation(pairs, 4).numpy()
    assert np.array_equal(mat, np.eye(16)[perm])


@pytest.mark.parametrize("n, entanglers, grid", [(4, "grid", (2, 2)), (5, "ring", None), (3, [(2, 0), (0, 1)], None)])
def test_qcbm_probabilities_and_gradients_match_pennylane(n, entanglers, grid):
    model = QCBM(n_qubits=n, layers=3, entanglers=entanglers, grid_shape=grid, n_starts=3, init_seed=5)
    w = model.weights.detach().clone()
    lean = model(w)
    qnode = model.qnode()
    for k in range(3):
        ref = qnode(w[k])
        assert torch.allclose(lean[k], ref, atol=1e-10)
    # gradients of a generic loss, lean simulation vs PennyLane backprop
    p = torch.as_tensor(np.random.default_rng(1).dirichlet(np.ones(2**n)))
    kernel = hamming_kernel_matrix(n)
    w1 = w.clone().requires_grad_(True)
    mmd2_exact(p, model(w1), kernel).sum().backward()
    for k in range(3):
        wk = w[k].clone().requires_grad_(True)
        mmd2_exact(p, qnode(wk), kernel).backward()
        assert torch.allclose(w1.grad[k], wk.grad, atol=1e-6)


def test_qcbm_ansatz_independent_numpy_state():
    """One layer on 2 qubits by hand: (Rot x Rot) then CNOT(0,1)."""
    w = np.array([[[0.3, 1.1, -0.4], [0.7, 2.0, 0.2]]])
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(w):
        qcbm_ansatz(w, 2, [(0, 1)])
        return qml.probs(wires=[0, 1])

    def rot(phi, theta, omega):
        rz = lambda a: np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)])  # noqa: E731
        ry = np.array([[np.cos(theta / 2), -np.sin(theta / 2)], [np.sin(theta / 2), np.cos(theta / 2)]])
        return rz(omega) @ ry @ rz(phi)

    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    state = cnot @ np.kron(rot(*w[0, 0]), rot(*w[0, 1])) @ np.array([1, 0, 0, 0])
    want = np.abs(state) ** 2
    assert np.allclose(c(w), want, atol=1e-12)
    model = QCBM(2, 1, [(0, 1)], None)
    assert np.allclose(model(torch.tensor(w)[None]).detach().numpy()[0], want, atol=1e-12)


def test_qcbm_samples_and_pennylane_shots_agree_with_probabilities():
    model = QCBM(n_qubits=3, layers=2, entanglers="chain", init_seed=2)
    q = model.probs().numpy()
    bits = model.sample(5000, seed=0)
    assert bits.shape == (5000, 3) and set(np.unique(bits)) <= {0, 1}
    hist = np.bincount(bits_to_index(bits), minlength=8) / 5000
    assert np.all(np.abs(hist - q) < 5 * np.sqrt(q * (1 - q) / 5000) + 1e-3)
    shots = np.asarray(model.qnode(shots=5000, seed=1)(model.weights[0].detach()))
    hist_pl = np.bincount(bits_to_index(shots), minlength=8) / 5000
    assert np.all(np.abs(hist_pl - q) < 5 * np.sqrt(q * (1 - q) / 5000) + 1e-3)


def test_fit_qcbm_learns_bas_2x2_and_keeps_the_lowest_loss_start():
    fit = fit_qcbm(bas_distribution(2, 2), layers=3, steps=80, n_starts=3, seed=0)
    assert fit.model.n_starts == 1 and fit.best_start == int(np.argmin(fit.loss[-1]))
    assert fit.loss.shape == (81, 3) and fit.kl.shape == fit.chi.shape == (81, 3)
    assert fit.metrics["chi"] > 0.9 and fit.metrics["kl"] < 0.15
    assert fit.metrics["kl"] == pytest.approx(fit.kl[-1, fit.best_start])
    assert torch.get_num_threads() >= 1


def test_torch_threads_restores_the_setting():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


# --- the QCBM as a GAN prior ------------------------------------------------------------------
def test_prior_latents_and_associative_update():
    rng = torch.Generator().manual_seed(0)
    for prior in ("qcbm", "bits", "gaussian"):
        z = PriorGAN(prior=prior, latent_dim=4, qcbm_layers=2).sample_latent(50, rng)
        assert z.shape == (50, 4)
        if prior != "gaussian":
            assert set(z.unique().tolist()) <= {-1.0, 1.0}
    model = PriorGAN(prior="qcbm", latent_dim=4, qcbm_layers=2)
    disc = MLPDiscriminator(hidden=(16, 4))
    real = torch.rand(64, 64)
    cb = AssociativePriorCallback(model, disc, real, n_real=64, updates=30, lr=0.1)
    bits = cb.features(real)
    assert bits.shape == (64, 4) and np.allclose(bits.mean(0), 0.5, atol=0.05)  # median cut: balanced bits
    first = cb.update()
    assert cb.update() < first + 1e-9 or cb.mmd[-1] < 0.05


def test_train_prior_gan_smoke():
    res = train_prior_gan("qcbm", steps=20, latent_dim=4, qcbm_layers=1, every=10, seed=0)
    assert len(res.prior_mmd) == 3
    # the whole suite against the held-out digits, the class histogram's KL included
    assert set(res.metrics) >= {"mmd2", "coverage", "class_kl", "two_sample", "frechet", "nearer_train"}
    assert all(np.isfinite(v) for v in res.metrics.values())
    assert res.model.generate(5).shape == (5, 64)


# --- the command-line functions -----------------------------------------------------------------
def test_train_and_sample_qcbm_checkpoint(tmp_path):
    out = tmp_path / "qcbm.pt"
    prov = train_qcbm(0, out, steps=3)
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert json.loads(out.with_suffix(".json").read_text())["command"].startswith("python -m qgan_helpers train qcbm")
    for key in ("kl", "chi", "kl_2000", "chi_2000", "kl_20000", "chi_20000"):
        assert key in prov["final_metrics"]
    assert prov["steps"] == 3 and prov["seed"] == 0 and prov["wall_time_s"] >= 0
    payload = torch.load(out, weights_only=True)
    assert payload["state_dict"]["weights"].shape == (1, 6, 9, 3)
    bits = sample_bitstrings(out, 7, seed=2)
    assert bits.shape == (7, 9) and bits.dtype == np.int64 and set(np.unique(bits)) <= {0, 1}
    assert np.array_equal(bits, sample_bitstrings(out, 7, seed=2))
    ckpt = load_born_checkpoint(out)
    assert torch.allclose(ckpt.generator.weights, payload["state_dict"]["weights"])


def test_train_and_sample_qbm_checkpoint(tmp_path):
    out = tmp_path / "qbm.pt"
    prov = train_qbm(1, out, steps=3, command="custom command")
    assert prov["command"] == "custom command" and set(prov["final_metrics"]) == {"kl", "chi", "nll"}
    bits = sample_bitstrings(out, 11, seed=0)
    assert bits.shape == (11, 4) and set(np.unique(bits)) <= {0, 1}


# --- bad input --------------------------------------------------------------------------------
def test_bad_input_too_many_qubits_for_exact_simulation():
    with pytest.raises(ValueError, match=r"n_qubits: expected an integer in 1\.\.12 \(exact simulation"):
        QCBM(n_qubits=13, entanglers="ring")
    with pytest.raises(ValueError, match="n_bits: expected at most 12 bits for an exact kernel matrix"):
        hamming_kernel_matrix(13)
    with pytest.raises(ValueError, match=r"n_qubits: expected an integer in 1\.\.12"):
        fit_qcbm(np.full(2**13, 2.0**-13))


def test_bad_input_wrong_data_shape():
    with pytest.raises(ValueError, match=r"data: expected a 2-D array of bits of shape \(N, 9\), got shape \(14, 3, 3\)"):
        check_bits(bars_and_stripes(3, 3).reshape(14, 3, 3), 9)
    with pytest.raises(ValueError, match=r"samples: expected shape \(N, 9\), got shape \(5, 4\)"):
        sample_metrics(bas_distribution(3, 3), np.zeros((5, 4), dtype=int))
    with pytest.raises(ValueError, match=r"p_data: expected one probability vector of shape \(2\*\*n,\)"):
        fit_qcbm(np.full((2, 8), 1 / 8))


def test_bad_input_non_binary_data():
    with pytest.raises(ValueError, match="data: expected binary data \\(bits 0 or 1\\), got the value 2.0"):
        check_bits([[0, 1, 2]], 3)
    with pytest.raises(ValueError, match="samples: expected binary data"):
        sample_metrics(bas_distribution(2, 2), np.full((3, 4), 0.5))


def test_bad_input_probabilities():
    with pytest.raises(ValueError, match="p_data: expected probabilities summing to 1"):
        fit_qcbm([0.5, 0.6])
    with pytest.raises(ValueError, match="q: expected the same number of outcomes as p \\(4\\), got 8"):
        mmd2_exact(np.full(4, 0.25), np.full(8, 0.125))
    with pytest.raises(ValueError, match="eps: expected a small positive number"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], eps=0)


def test_bad_input_circuit_settings():
    with pytest.raises(ValueError, match=r"grid_shape: expected \(rows, cols\) with rows \* cols == n_qubits = 9"):
        QCBM(n_qubits=9, entanglers="grid", grid_shape=(2, 2))
    with pytest.raises(ValueError, match="entanglers: expected one of \\['grid', 'ring', 'chain'\\]"):
        QCBM(n_qubits=4, entanglers="star")
    with pytest.raises(ValueError, match="entanglers: expected pairs of two different qubits in 0..3"):
        QCBM(n_qubits=4, entanglers=[(0, 0)])
    with pytest.raises(ValueError, match=r"weights: expected shape \(layers, 2, 3\)"):
        qcbm_ansatz(np.zeros((2, 3)), 2, [])


def test_bad_input_grid_size():
    with pytest.raises(ValueError, match="rows: expected an integer >= 1, got 0"):
        bars_and_stripes(0, 3)
    with pytest.raises(TypeError, match="cols: expected an integer >= 1, got 2.5"):
        bars_and_stripes(2, 2.5)
    with pytest.raises(ValueError, match="rows: expected rows \\* cols <= 20 bits"):
        bas_distribution(5, 5)


def test_bad_input_cli_functions(tmp_path):
    with pytest.raises(ValueError, match="out: expected a file name ending in .pt"):
        train_qcbm(0, tmp_path / "model.pth", steps=1)
    with pytest.raises(FileNotFoundError, match="out: the directory"):
        train_qcbm(0, tmp_path / "missing" / "model.pt", steps=1)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0, got -1"):
        train_qbm(-1, tmp_path / "q.pt")
    with pytest.raises(ValueError, match="steps: expected a positive integer or None"):
        train_qbm(0, tmp_path / "q.pt", steps=0)
    with pytest.raises(FileNotFoundError, match="path: no checkpoint file"):
        sample_bitstrings(tmp_path / "none.pt", 3, 0)


def test_bad_input_sampling_a_prior_gan_checkpoint(tmp_path):
    out = tmp_path / "prior.pt"
    train_prior("bits", 0, out, steps=2)
    with pytest.raises(ValueError, match="path: expected a QCBM or QBM checkpoint \\(bit strings\\), got a PriorGAN"):
        sample_bitstrings(out, 3, 0)
    with pytest.raises(ValueError, match="n: expected an integer >= 1, got 0"):
        sample_bitstrings(out, 0, 0)
    with pytest.raises(ValueError, match="prior: expected one of \\['qcbm', 'bits', 'gaussian'\\]"):
        PriorGAN(prior="uniform")
