"""qgan_helpers.quantum.expressibility: Haar reference, fidelities, KL, Meyer--Wallach, and bad input."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest

from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz, seed_ansatz, seed_weight_shape
from qgan_helpers.quantum.expressibility import (
    entangling_capability,
    expressibility,
    expressibility_from_fidelities,
    fidelities,
    fidelity_histogram,
    haar_bin_probabilities,
    haar_fidelity_pdf,
    haar_random_states,
    histogram_kl,
    meyer_wallach,
    pair_fidelities,
    random_parameters,
    random_states,
    state_function,
)


def idle_states(n):
    """The state function of a circuit that does nothing: every state is |0...0>."""

    def states(params):
        out = np.zeros((len(params), 2**n), dtype=complex)
        out[:, 0] = 1
        return out

    return states


def phase_only(weights, wires):
    """RZ on |0>: only a global phase changes, so every pair of states has fidelity 1."""
    qml.RZ(weights[..., 0], wires=0)


def ghz(n):
    v = np.zeros(2**n)
    v[0] = v[-1] = 1 / np.sqrt(2)
    return v


def w_state(n):
    v = np.zeros(2**n)
    for k in range(n):
        v[1 << k] = 1 / np.sqrt(n)
    return v


# -- the Haar reference -------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_haar_pdf_integrates_to_one_and_bins_match_it(n):
    f = np.linspace(0, 1, 400_001)
    pdf = haar_fidelity_pdf(f, n)
    assert np.trapezoid(pdf, f) == pytest.approx(1.0, abs=1e-6)
    edges = np.linspace(0, 1, 11)
    probs = haar_bin_probabilities(edges, n)
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    for k in range(10):
        m = (f >= edges[k]) & (f <= edges[k + 1])
        assert probs[k] == pytest.approx(np.trapezoid(pdf[m], f[m]), abs=1e-6)


def test_haar_pdf_values():
    assert np.allclose(haar_fidelity_pdf([0, 0.3, 1], 1), 1.0)  # one qubit: uniform
    assert haar_fidelity_pdf(0.5, 2) == pytest.approx(3 * 0.25)
    # mean fidelity of two Haar states is 1/N
    f = np.linspace(0, 1, 200_001)
    assert np.trapezoid(f * haar_fidelity_pdf(f, 3), f) == pytest.approx(1 / 8, abs=1e-6)


def test_haar_random_states_have_haar_fidelities():
    s = haar_random_states(8000, 3, rng=0)
    assert np.allclose(np.linalg.norm(s, axis=1), 1)
    fids = pair_fidelities(s[:4000], s[4000:])
    assert fids.mean() == pytest.approx(1 / 8, abs=0.01)
    assert expressibility_from_fidelities(fids, 3) < 0.03
    real = haar_random_states(10, 2, rng=0, real=True)
    assert np.allclose(real.imag, 0)


# -- fidelities -----------------------------------------------------------------------------------------------
def test_fidelities_of_identical_states_are_one():
    s = haar_random_states(50, 3, rng=1)
    assert np.allclose(pair_fidelities(s, s), 1.0)
    assert np.allclose(fidelities(idle_states(3), (2,), n_pairs=20, rng=0), 1.0)


def test_pair_fidelities_against_numpy():
    a, b = haar_random_states(5, 2, rng=2), haar_random_states(5, 2, rng=3)
    direct = [abs(np.vdot(a[i], b[i])) ** 2 for i in range(5)]
    assert np.allclose(pair_fidelities(a, b), direct)
    assert pair_fidelities([1, 0], [0, 1]).tolist() == [0.0]


def test_random_states_use_one_broadcast_call_and_are_reproducible():
    calls = []
    inner = state_function(seed_ansatz, 2)

    def counting(params):
        calls.append(params.shape)
        return inner(params)

    s1 = random_states(counting, seed_weight_shape(2, 2), 30, rng=7)
    s2 = random_states(counting, seed_weight_shape(2, 2), 30, rng=7)
    assert calls == [(30, 2, 2, 3), (30, 2, 2, 3)]
    assert s1.shape == (30, 4) and np.allclose(s1, s2)


def test_state_function_matches_a_plain_qnode():
    w = random_parameters(seed_weight_shape(2, 3), 1, rng=0)[0]
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        seed_ansatz(x, 3)
        return qml.state()

    assert np.allclose(state_function(seed_ansatz, 3)(w), circuit(w))


def test_random_parameters_range_and_shape():
    p = random_parameters((3, 2), 1000, rng=0)
    assert p.shape == (1000, 3, 2) and p.min() >= 0 and p.max() < 2 * np.pi
    assert random_parameters(4, 2, rng=0, low=-1, high=1).max() < 1


# -- KL and expressibility ------------------------------------------------------------------------------------
def test_histogram_kl_against_direct_numpy():
    rng = np.random.default_rng(0)
    p, q = rng.random(20), rng.random(20)
    p, q = p / p.sum(), q / q.sum()
    assert histogram_kl(p, q) == pytest.approx(float(np.sum(p * np.log(p / q))), rel=1e-12)
    assert histogram_kl(p, p) == pytest.approx(0.0, abs=1e-15)
    p[:5] = 0
    p /= p.sum()
    assert histogram_kl(p, q) == pytest.approx(float(np.sum(p[5:] * np.log(p[5:] / q[5:]))), rel=1e-12)


def test_expressibility_from_fidelities_against_direct_numpy():
    rng = np.random.default_rng(1)
    fids = rng.beta(1, 5, size=3000)
    bins, n = 20, 3
    counts, edges = np.histogram(fids, bins=np.linspace(0, 1, bins + 1))
    p = counts / counts.sum()
    # Haar bin probabilities by numerical integration of (N-1)(1-F)^(N-2)
    q = np.array([
        np.trapezoid(7 * (1 - x) ** 6, x) for x in (np.linspace(edges[k], edges[k + 1], 2001) for k in range(bins))
    ])
    m = p > 0
    direct = float(np.sum(p[m] * np.log(p[m] / q[m])))
    assert expressibility_from_fidelities(fids, n, bins) == pytest.approx(direct, rel=1e-6)
    hist, e = fidelity_histogram(fids, bins)
    assert np.allclose(hist, p) and np.allclose(e, edges)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_idle_circuit_expressibility_is_large(n):
    # all fidelities are 1: KL = -log P_Haar(last bin) = (N - 1) log(bins)
    kl = expressibility(state_function(phase_only, n), (1,), n_pairs=50, rng=0)
    assert kl == pytest.approx((2**n - 1) * np.log(75), rel=1e-9)


def test_deep_random_circuit_is_expressive():
    fn = state_function(seed_ansatz, 3)
    deep = expressibility(fn, seed_weight_shape(4, 3), n_pairs=2000, rng=0)
    shallow_patch = expressibility(state_function(patch_ansatz, 3), (1, 3), n_pairs=2000, rng=0)
    idle_kl = expressibility(idle_states(3), (1,), n_pairs=10, rng=0)
    assert deep < 0.05 < shallow_patch < idle_kl
    # and the ranking is the one of the Haar floor: Haar states at the same sample size
    haar = haar_random_states(4000, 3, rng=0)
    floor = expressibility_from_fidelities(pair_fidelities(haar[:2000], haar[2000:]), 3)
    assert floor < 0.05 and abs(deep - floor) < 0.03


# -- Meyer--Wallach -----------------------------------------------------------------------------------------
def test_meyer_wallach_reference_states():
    rng = np.random.default_rng(5)
    singles = [rng.normal(size=2) + 1j * rng.normal(size=2) for _ in range(4)]
    product = np.array(singles[0])
    for s in singles[1:]:
        product = np.kron(product, s)
    product /= np.linalg.norm(product)
    assert meyer_wallach(product) == pytest.approx(0.0, abs=1e-12)
    assert meyer_wallach(np.array([1, 0, 0, 1]) / np.sqrt(2)) == pytest.approx(1.0)
    assert meyer_wallach(np.array([0, 1, -1, 0]) / np.sqrt(2)) == pytest.approx(1.0)
    for n in (3, 4, 5):
        assert meyer_wallach(ghz(n)) == pytest.approx(1.0)
    # |W> on 3 qubits: each qubit has rho = diag(2/3, 1/3), purity 5/9, Q = 2 (1 - 5/9) = 8/9
    assert meyer_wallach(w_state(3)) == pytest.approx(8 / 9, abs=1e-12)
    batch = meyer_wallach(np.stack([ghz(3), w_state(3), np.eye(8)[3]]))
    assert isinstance(batch, np.ndarray) and np.allclose(batch, [1, 8 / 9, 0])


def test_meyer_wallach_against_pennylane_reduced_density_matrices():
    n = 4
    fn = state_function(seed_ansatz, n)
    params = random_parameters(seed_weight_shape(2, n), 3, rng=0)
    states = fn(params)
    dev = qml.device("default.qubit", wires=n)

    def purity(k):
        @qml.qnode(dev)
        def rho(x):
            seed_ansatz(x, n)
            return qml.density_matrix(wires=[k])

        return lambda x: float(np.real(np.trace(rho(x) @ rho(x))))

    purities = [purity(k) for k in range(n)]
    for b in range(3):
        ref = 2 * (1 - np.mean([p(params[b]) for p in purities]))
        assert meyer_wallach(states[b]) == pytest.approx(ref, abs=1e-10)


def test_haar_states_have_the_expected_average_entanglement():
    # E[Q] for Haar states of n qubits is (N - 2) / (N + 1)
    s = haar_random_states(4000, 4, rng=0)
    assert meyer_wallach(s).mean() == pytest.approx(14 / 17, abs=0.01)


def test_entangling_capability():
    product = entangling_capability(state_function(angle_encoding, 3), (3,), n_samples=50, rng=0)
    assert product == pytest.approx(0.0, abs=1e-12)
    ent = entangling_capability(state_function(seed_ansatz, 3), seed_weight_shape(3, 3), n_samples=500, rng=0)
    assert 0.3 < ent <= 1.0


# -- bad input -------------------------------------------------------------------------------------------------
def test_bad_state_not_normalised():
    with pytest.raises(ValueError, match="states: expected normalised states .* off by 1"):
        meyer_wallach(np.array([1.0, 1.0, 0.0, 0.0]))


def test_bad_state_length_not_power_of_two():
    with pytest.raises(ValueError, match="states: expected a state vector length that is a power of two .*got 3"):
        meyer_wallach(np.array([1.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="states_a: expected a state vector length that is a power of two .*got 1"):
        pair_fidelities([1.0], [1.0])


def test_bad_state_nan_and_shape():
    with pytest.raises(ValueError, match="states: expected finite amplitudes, got NaN"):
        meyer_wallach(np.array([np.nan, 0, 0, 1.0]))
    with pytest.raises(ValueError, match=r"states: expected shape \(2\*\*n,\) or \(B, 2\*\*n\), got \(1, 2, 2\)"):
        meyer_wallach(np.ones((1, 2, 2)) / 2)
    with pytest.raises(ValueError, match=r"states_b: expected the shape of states_a \(1, 2\), got \(1, 4\)"):
        pair_fidelities([1, 0], [1, 0, 0, 0])


def test_bad_bins():
    with pytest.raises(ValueError, match="bins: expected an integer >= 2, got 1"):
        fidelity_histogram([0.5], bins=1)
    with pytest.raises(TypeError, match="bins: expected an integer >= 2, got 7.5"):
        expressibility(idle_states(1), (1,), n_pairs=5, bins=7.5)


def test_bad_sample_counts():
    fn = idle_states(1)
    with pytest.raises(ValueError, match="n_pairs: expected an integer >= 1, got 0"):
        fidelities(fn, (1,), n_pairs=0)
    with pytest.raises(ValueError, match="n_samples: expected an integer >= 1, got -3"):
        entangling_capability(fn, (1,), n_samples=-3)
    with pytest.raises(ValueError, match="n_qubits: expected an integer >= 1, got 0"):
        haar_fidelity_pdf(0.5, 0)


def test_bad_fidelities_and_pdf_arguments():
    with pytest.raises(ValueError, match=r"fids: expected fidelities in \[0, 1\]"):
        fidelity_histogram([0.5, 1.5])
    with pytest.raises(ValueError, match="fids: expected at least one fidelity"):
        expressibility_from_fidelities([], 2)
    with pytest.raises(ValueError, match=r"f: expected fidelities in \[0, 1\]"):
        haar_fidelity_pdf([-0.1], 2)
    with pytest.raises(ValueError, match="edges: expected increasing bin edges"):
        haar_bin_probabilities([0, 0.6, 0.4, 1], 2)


def test_bad_kl_arguments():
    with pytest.raises(ValueError, match="p: expected probabilities summing to 1, got a sum of 0.9"):
        histogram_kl([0.5, 0.4], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"q: expected the shape of p \(2,\), got \(3,\)"):
        histogram_kl([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="q: expected non-negative finite probabilities"):
        histogram_kl([0.5, 0.5], [1.5, -0.5])


def test_bad_state_function_and_parameters():
    with pytest.raises(TypeError, match="template: expected a callable"):
        state_function("seed", 2)
    with pytest.raises(ValueError, match="wires: expected an integer >= 1, got 0"):
        state_function(seed_ansatz, 0)
    with pytest.raises(TypeError, match="state_fn: expected a callable"):
        random_states(None, (1,), 3)
    with pytest.raises(ValueError, match=r"param_shape: expected a non-empty tuple of positive integers, got \(2, 0\)"):
        random_parameters((2, 0), 3)
    with pytest.raises(ValueError, match=r"state_fn\(params\): expected shape \(4, 2\*\*n\).*must broadcast.*got shape \(2,\)"):
        random_states(lambda p: np.array([1.0, 0.0]), (1,), 4)
    with pytest.raises(TypeError, match="rng: expected None, a non-negative integer seed or a numpy Generator"):
        random_parameters((1,), 2, rng="seed")
    with pytest.raises(ValueError, match="low, high: expected finite numbers with low < high"):
        random_parameters((1,), 2, low=1.0, high=0.0)
