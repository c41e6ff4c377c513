"""Classical baselines of the Born chapter: sizes within the QCBM's budget, exact distributions, sampling, training."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest
import torch

import qgan_helpers.born.baselines as born_baseline
from qgan_helpers.born.bars_stripes import all_bitstrings, bas_distribution, bits_to_index
from qgan_helpers.born.baselines import (
    KINDS,
    LOSSES,
    Autoregressive,
    MPSBornMachine,
    RBMBaseline,
    effective_parameters,
    fit_baseline,
    make_baseline,
    mps_bond_dims,
)
from qgan_helpers.born.metrics import kl_divergence
from qgan_helpers.born.qcbm import QCBM
from qgan_helpers.born.rbm import RBM
from qgan_helpers.born.runs import QCBM_DEFAULTS


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def course_qcbm_params() -> int:
    d = QCBM_DEFAULTS
    return QCBM(d["rows"] * d["cols"], d["layers"], d["entanglers"], (d["rows"], d["cols"])).n_params


def stored_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters()) // model.n_starts


# --- sizes --------------------------------------------------------------------------------------
def test_course_qcbm_has_162_angles():
    assert course_qcbm_params() == 6 * 9 * 3 == 162


@pytest.mark.parametrize("kind", KINDS)
def test_parameter_count_within_the_qcbm_budget_and_honest(kind):
    budget = course_qcbm_params()
    model = make_baseline(kind, 9, budget, n_starts=3)
    assert model.n_params <= budget
    # the advertised count is what is actually stored and trained (no hidden or masked extras)
    assert stored_params(model) == model.n_params
    assert all(p.requires_grad for p in model.parameters())


def test_sizes_are_the_largest_that_fit():
    budget = course_qcbm_params()
    assert make_baseline("nade", 9, budget).n_hidden == 8 and make_baseline("nade", 9, budget).n_params == 153
    assert Autoregressive(9, 9).n_params > budget  # one more hidden unit would not fit
    assert make_baseline("rbm", 9, budget).n_hidden == 15 and make_baseline("rbm", 9, budget).n_params == 159
    assert RBM(9, 16).n_params > budget
    assert make_baseline("mps", 9, budget).n_params == budget == 162
    assert make_baseline("fvsbn", 9, budget).n_params == 9 + 36


def test_mps_bond_dims_respect_budget_and_caps():
    for n in (2, 3, 5, 9):
        previous = 0
        for budget in range(2 * n, 400, 7):
            bonds = mps_bond_dims(n, budget)
            model = MPSBornMachine(n, bonds)
            assert model.n_params <= budget and stored_params(model) == model.n_params
            assert all(d <= min(2 ** (k + 1), 2 ** (n - k - 1)) for k, d in enumerate(bonds))
            assert model.n_params >= previous  # a larger budget never gives a smaller model
            previous = model.n_params
    assert mps_bond_dims(9, 162) == [2, 3, 4, 4, 4, 3, 3, 2]
    assert mps_bond_dims(3, 10**6) == [2, 2]  # capped: exact for any 3-bit distribution


# --- exact distributions -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_probabilities_are_exact_distributions(kind):
    model = make_baseline(kind, 9, 162, n_starts=3, init_seed=4)
    q = model().detach()
    assert q.shape == (3, 512) and q.dtype == torch.float64
    assert torch.allclose(q.sum(-1), torch.ones(3, dtype=torch.float64), atol=1e-12)
    assert (q > 0).all()
    assert torch.allclose(model.log_probs().exp(), model())
    # the starts differ (independent random initialisations)
    assert not torch.allclose(q[0], q[1])


def test_autoregressive_conditionals_read_only_earlier_bits():
    for hidden in (None, 4):
        model = Autoregressive(6, hidden, n_starts=2, init_seed=1)
        x = torch.as_tensor(all_bitstrings(6), dtype=torch.float64)
        logits = model.logits(x).detach()
        for i in range(6):
            changed = x.clone()
            changed[:, i:] = 1 - changed[:, i:]  # flip bit i and everything after it
            assert torch.allclose(model.logits(changed).detach()[..., : i + 1], logits[..., : i + 1])


def test_fvsbn_probability_by_hand():
    model = Autoregressive(2, None)
    with torch.no_grad():
        model.b.copy_(torch.tensor([[0.3, -0.2]]))
        model.w.copy_(torch.tensor([[1.5]]))
    s = torch.sigmoid
    p0, p1_given0, p1_given1 = s(torch.tensor(0.3)), s(torch.tensor(-0.2)), s(torch.tensor(1.3))
    expected = torch.stack([(1 - p0) * (1 - p1_given0), (1 - p0) * p1_given0, p0 * (1 - p1_given1), p0 * p1_given1])
    assert torch.allclose(model.probs(), expected.double())


def test_rbm_baseline_is_the_packages_rbm():
    model = RBMBaseline(5, 3, n_starts=2, init_seed=7)
    for k in range(2):
        assert torch.allclose(model()[k], model.rbms[k].visible_probs())
        assert isinstance(model.rbms[k], RBM)


def test_mps_amplitudes_by_hand():
    model = MPSBornMachine(2, [1])
    with torch.no_grad():
        model.tensors[0].copy_(torch.tensor([1.0, 2.0]).reshape(1, 1, 2, 1))
        model.tensors[1].copy_(torch.tensor([3.0, -1.0]).reshape(1, 1, 2, 1))
    psi = torch.tensor([3.0, -1.0, 6.0, -2.0], dtype=torch.float64)  # index = 2 * x_0 + x_1
    assert torch.allclose(model.amplitudes()[0], psi)
    assert torch.allclose(model.probs(), psi**2 / (psi**2).sum())


# --- sampling ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_sampling_matches_probabilities(kind):
    model = make_baseline(kind, 4, 40, n_starts=1, init_seed=2)
    with torch.no_grad():  # a clearly non-uniform distribution
        for p in model.parameters():
            p.mul_(3.0).add_(0.5)
    q = model.probs().numpy()
    bits = model.sample(40000, seed=3)
    assert bits.shape == (40000, 4) and bits.dtype == np.int64 and set(np.unique(bits)) <= {0, 1}
    freq = np.bincount(bits_to_index(bits), minlength=16) / len(bits)
    assert 0.5 * np.abs(freq - q).sum() < 0.02  # total variation; about 0.007 expected
    assert np.array_equal(model.sample(50, seed=9), model.sample(50, seed=9))


# --- training ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("loss", LOSSES)
def test_training_reduces_kl_on_bars_and_stripes(kind, loss):
    p = bas_distribution(3, 3)
    model = make_baseline(kind, 9, 162, n_starts=2, init_seed=0)
    fit = fit_baseline(model, p, loss=loss, steps=40, lr=0.1, eval_every=10)
    assert fit.eval_step.tolist() == [0, 10, 20, 30, 40]
    assert fit.loss.shape == fit.kl.shape == fit.chi.shape == (5, 2)
    assert fit.kl[-1].min() < fit.kl[0].min() - 0.1  # from about log(512 / 14) = 3.6 nats
    assert fit.chi[-1].max() > fit.chi[0].max()
    # the kept start is the one with the lowest final training loss, and its metrics are its own
    assert fit.best_start == int(np.argmin(fit.loss[-1]))
    assert fit.model.n_starts == 1
    assert fit.metrics["kl"] == pytest.approx(fit.kl[-1, fit.best_start])
    assert fit.metrics["kl"] == pytest.approx(kl_divergence(p, fit.model.probs()))
    assert fit.metrics["loss"] == pytest.approx(fit.metrics[loss])
    assert fit.settings["parameters_per_start"] == model.n_params and fit.settings["loss"] == loss


def test_nll_loss_is_kl_plus_data_entropy():
    p = bas_distribution(2, 2)
    fit = fit_baseline(make_baseline("nade", 4, 30), p, loss="nll", steps=5)
    assert fit.metrics["nll"] == pytest.approx(fit.metrics["kl"] + np.log(6))


def test_maximum_likelihood_nade_fits_bars_and_stripes_2x2():
    fit = fit_baseline(make_baseline("nade", 4, 30, n_starts=2), bas_distribution(2, 2), loss="nll", steps=150)
    assert fit.metrics["kl"] < 0.02 and fit.metrics["chi"] > 0.98


# --- effective parameters ----------------------------------------------------------------------
def test_effective_parameters():
    # an RBM with 3 hidden units on 4 bits: 19 parameters, but only 15 free probabilities
    assert effective_parameters(RBMBaseline(4, 3, init_seed=1)) == {"nominal": 19, "jacobian_rank": 15}
    # the MPS gauge: D x D invertible matrices on each bond, and the overall scale
    mps = MPSBornMachine(9, [2, 3, 4, 4, 4, 3, 3, 2], init_seed=1)
    assert effective_parameters(mps) == {"nominal": 162, "jacobian_rank": 162 - (4 + 9 + 16 * 3 + 9 + 9 + 4) - 1}
    # the QCBM: the first layer's RZ(phi) acts on |0> and the last layer's RZ(omega) is a phase
    # before the measurement, so 2 n of its angles never move the distribution
    qcbm = QCBM(n_qubits=7, layers=2, entanglers="chain", init_seed=1)
    eff = effective_parameters(qcbm)
    assert eff["nominal"] == 42 and eff["jacobian_rank"] <= 42 - 2 * 7


# --- bad inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: make_baseline("gan"), "kind"),
        (lambda: make_baseline("nade", n_bits=13), "n_bits"),
        (lambda: make_baseline("nade", n_bits=0), "n_bits"),
        (lambda: make_baseline("nade", n_bits=True), "n_bits"),
        (lambda: make_baseline("nade", 9, max_params=20), "max_params"),
        (lambda: make_baseline("mps", 9, max_params=2.5), "max_params"),
        (lambda: make_baseline("rbm", n_starts=0), "n_starts"),
        (lambda: make_baseline("fvsbn", init_seed=-1), "init_seed"),
        (lambda: Autoregressive(9, 0), "n_hidden"),
        (lambda: RBMBaseline(9, -1), "n_hidden"),
        (lambda: RBMBaseline(9, 2, init_scale=-0.1), "init_scale"),
        (lambda: MPSBornMachine(9, [2, 2]), "bond_dims"),
        (lambda: MPSBornMachine(9, [2, 3, 4, 0, 4, 3, 3, 2]), "bond_dims"),
        (lambda: MPSBornMachine(1, []), "n_bits"),
        (lambda: mps_bond_dims(9, 10), "max_params"),
        (lambda: make_baseline("nade", n_starts=2).probs(), "n_starts"),
        (lambda: make_baseline("nade", n_starts=2).sample(3), "n_starts"),
        (lambda: make_baseline("mps", n_starts=2).select(2), "start"),
        (lambda: make_baseline("nade").sample(0), "n"),
        (lambda: make_baseline("rbm").sample(3, seed=-2), "seed"),
        (lambda: fit_baseline(make_baseline("nade"), bas_distribution(3, 3), loss="kl"), "loss"),
        (lambda: fit_baseline(make_baseline("nade"), bas_distribution(2, 2)), "p_data"),
        (lambda: fit_baseline(make_baseline("nade"), np.full(512, 0.1)), "p_data"),
        (lambda: fit_baseline(make_baseline("nade"), np.full((2, 512), 1 / 512)), "p_data"),
        (lambda: fit_baseline(make_baseline("nade"), "bars"), "p_data"),
        (lambda: fit_baseline(make_baseline("nade"), bas_distribution(3, 3), steps=0), "steps"),
        (lambda: fit_baseline(make_baseline("nade"), bas_distribution(3, 3), lr=-0.1), "lr"),
        (lambda: fit_baseline(make_baseline("nade"), bas_distribution(3, 3), sigmas=[]), "sigmas"),
        (lambda: fit_baseline(RBM(9, 2), bas_distribution(3, 3)), "model"),
        (lambda: effective_parameters(make_baseline("rbm", n_starts=2)), "model"),
    ],
)
def test_bad_inputs_are_rejected_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


def test_doctests():
    modules = [born_baseline] + [
        importlib.import_module(f"{born_baseline.__name__}.{info.name}") for info in pkgutil.iter_modules(born_baseline.__path__)
    ]
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
    assert len(modules) == 8
