"""qgan_helpers.quantum.measurement against PennyLane reference values and independent NumPy calculations."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz
from qgan_helpers.quantum.measurement import (
    check_probs,
    empirical_probs,
    estimate_expval_from_samples,
    expval_standard_error,
    expval_to_pixels,
    expval_z,
    expval_z_from_probs,
    postselect,
    postselection_probability,
    probs,
    samples,
    to_pixels,
)

N = 5  # the patch method's sub-generator: 5 wires, the first one(s) ancillas


def _patch_ops(z, w):
    angle_encoding(z, N)
    patch_ansatz(w, N)


@pytest.fixture(scope="module")
def patch_params():
    rng = np.random.default_rng(7)
    return rng.uniform(0, np.pi / 2, N), rng.uniform(0, np.pi, (3, N))


@pytest.fixture(scope="module")
def patch_state_and_probs(patch_params):
    z, w = patch_params
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev)
    def state():
        _patch_ops(z, w)
        return qml.state()

    @qml.qnode(dev)
    def p():
        _patch_ops(z, w)
        return probs(N)

    return np.asarray(state()), np.asarray(p())


# --- measurement builders -----------------------------------------------------------------
def test_builders_match_pennylane(patch_params):
    z, w = patch_params
    dev = qml.device("default.qubit", wires=N)

    @qml.qnode(dev)
    def mine():
        _patch_ops(z, w)
        return expval_z(N)

    @qml.qnode(dev)
    def ref():
        _patch_ops(z, w)
        return [qml.expval(qml.PauliZ(i)) for i in range(N)]

    np.testing.assert_allclose(np.array(mine()), np.array(ref()), atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=2, seed=3))
    def s():
        qml.PauliX(1)
        return samples([0, 1])

    out = qml.set_shots(s, shots=7)()
    assert out.shape == (7, 2) and np.all(out == [0, 1])


def test_expval_relates_to_probs(patch_state_and_probs, patch_params):
    """<Z_i> = P(bit_i = 0) - P(bit_i = 1): from our probs equals qml.expval, and a hand marginal."""
    _, p = patch_state_and_probs
    z, w = patch_params

    @qml.qnode(qml.device("default.qubit", wires=N))
    def ref():
        _patch_ops(z, w)
        return expval_z(N)

    mine = expval_z_from_probs(p)
    np.testing.assert_allclose(mine, np.array(ref()), atol=1e-12)
    by_hand = [p.reshape([2] * N).sum(axis=tuple(j for j in range(N) if j != i)) for i in range(N)]
    np.testing.assert_allclose(mine, [m[0] - m[1] for m in by_hand], atol=1e-12)
    t = torch.tensor(np.stack([p, p[::-1]]), dtype=torch.float64)
    np.testing.assert_allclose(expval_z_from_probs(t).numpy()[0], mine, atol=1e-12)
    np.testing.assert_allclose(expval_z_from_probs(t).numpy()[1], -mine, atol=1e-12)  # k -> 2**n-1-k flips every bit


# --- post-selection -----------------------------------------------------------------------
@pytest.mark.parametrize("n_anc", [1, 2])
@pytest.mark.parametrize("value", [0, 1])
def test_postselect_equals_conditional_from_state_vector(patch_state_and_probs, n_anc, value):
    psi, p = patch_state_and_probs
    amps = psi.reshape(2**n_anc, 2 ** (N - n_anc))  # rows: ancilla bit string (first wires)
    row = 0 if value == 0 else 2**n_anc - 1
    joint = np.abs(amps[row]) ** 2
    success_hand = joint.sum()
    cond, success = postselect(p, n_anc, value, return_success=True)
    np.testing.assert_allclose(cond, joint / success_hand, atol=1e-12)
    assert cond.shape == (2 ** (N - n_anc),)
    assert abs(cond.sum() - 1) < 1e-12
    assert success == pytest.approx(success_hand, abs=1e-12)
    assert postselection_probability(p, n_anc, value) == pytest.approx(success_hand, abs=1e-12)


@pytest.mark.parametrize("n_anc", [1, 2])
def test_postselect_equals_pennylane_mid_circuit_postselection(patch_params, patch_state_and_probs, n_anc):
    z, w = patch_params
    _, p = patch_state_and_probs

    @qml.qnode(qml.device("default.qubit", wires=N))
    def ref():
        _patch_ops(z, w)
        for a in range(n_anc):
            qml.measure(a, postselect=0)
        return qml.probs(wires=list(range(n_anc, N)))

    np.testing.assert_allclose(postselect(p, n_anc), np.asarray(ref()), atol=1e-10)


def test_postselect_batched_torch_and_differentiable(patch_params):
    z, w = patch_params
    zb = torch.tensor(np.stack([z, z[::-1].copy(), z / 2]), dtype=torch.float64)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)

    @qml.qnode(qml.device("default.qubit", wires=N), interface="torch", diff_method="backprop")
    def circuit(zz, ww):
        _patch_ops(zz, ww)
        return probs(N)

    pb = circuit(zb, wt)
    assert pb.shape == (3, 2**N)
    cond, success = postselect(pb, 1, return_success=True)
    assert cond.shape == (3, 2 ** (N - 1)) and success.shape == (3,)
    for b in range(3):
        np.testing.assert_allclose(cond[b].detach().numpy(), postselect(pb[b].detach().numpy(), 1), atol=1e-12)
    loss = (to_pixels(cond) ** 2).sum()
    loss.backward()
    grad = wt.grad.numpy().copy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0

    # central finite difference on one angle (independent of autograd)
    def loss_at(wnp):
        with torch.no_grad():
            return float((to_pixels(postselect(circuit(zb, torch.tensor(wnp)), 1)) ** 2).sum())

    eps = 1e-6
    wp, wm = w.copy(), w.copy()
    wp[1, 2] += eps
    wm[1, 2] -= eps
    assert grad[1, 2] == pytest.approx((loss_at(wp) - loss_at(wm)) / (2 * eps), rel=1e-5, abs=1e-7)


def test_postselect_zero_ancillas_is_identity_and_list_input():
    p = [0.125, 0.375, 0.25, 0.25]
    np.testing.assert_allclose(postselect(p, 0), p)
    assert postselect(p, 1).tolist() == [0.25, 0.75]


# --- pixels -------------------------------------------------------------------------------
def test_to_pixels_matches_the_patch_method(patch_state_and_probs):
    """The PennyLane demo divides the kept block by the total (=1), then by its max: same pixels as ours."""
    _, p = patch_state_and_probs
    demo = p[: 2 ** (N - 1)] / p.sum()
    demo = demo / demo.max()
    np.testing.assert_allclose(to_pixels(postselect(p, 1)), demo, atol=1e-12)
    px = to_pixels(postselect(p, 1))
    assert px.max() == pytest.approx(1.0) and px.min() >= 0
    mm = to_pixels(postselect(p, 1), "minmax")
    assert mm.min() == pytest.approx(0.0) and mm.max() == pytest.approx(1.0)
    np.testing.assert_allclose(expval_to_pixels(np.array([1.0, -1.0, 0.2])), [0.0, 1.0, 0.4])


# --- samples ------------------------------------------------------------------------------
def test_empirical_probs_hand_example():
    s = np.array([[0, 0, 1], [1, 0, 1], [0, 0, 1], [1, 1, 1]])  # indices 1, 5, 1, 7
    expected = np.zeros(8)
    expected[[1, 5, 7]] = [0.5, 0.25, 0.25]
    np.testing.assert_allclose(empirical_probs(s, 3), expected)
    np.testing.assert_allclose(empirical_probs(np.array([1, 1, 0, 1]), 1), [0.25, 0.75])
    batch = empirical_probs(np.stack([s, s[::-1]]), 3)
    assert batch.shape == (2, 8)
    np.testing.assert_allclose(batch[1], expected)


def test_samples_converge_to_probs_and_expvals(patch_params, patch_state_and_probs):
    z, w = patch_params
    _, p = patch_state_and_probs
    shots = 40_000

    @qml.qnode(qml.device("default.qubit", wires=N, seed=11))
    def s():
        _patch_ops(z, w)
        return samples(N)

    bits = qml.set_shots(s, shots=shots)()
    emp = empirical_probs(bits, N)
    se_p = np.sqrt(p * (1 - p) / shots)
    assert np.all(np.abs(emp - p) <= 5 * se_p + 1e-12)
    exact = expval_z_from_probs(p)
    est = estimate_expval_from_samples(bits)
    assert est.shape == (N,)
    assert np.all(np.abs(est - exact) <= 5 * expval_standard_error(exact, shots))
    # the estimate from the empirical distribution is the same number
    np.testing.assert_allclose(expval_z_from_probs(emp), est, atol=1e-12)


def test_estimate_expval_eigenvalue_samples_match_pennylane():
    theta = 1.1

    @qml.qnode(qml.device("default.qubit", wires=1, seed=5))
    def c():
        qml.RY(theta, wires=0)
        return qml.sample(qml.PauliZ(0))

    eig = qml.set_shots(c, shots=20_000)()
    est = estimate_expval_from_samples(eig, kind="eigenvalues")
    assert abs(est - np.cos(theta)) <= 5 * expval_standard_error(np.cos(theta), 20_000)
    assert estimate_expval_from_samples(np.array([0, 0, 0, 1])) == 0.5


def test_standard_error_matches_repeated_runs():
    """Spread of <Z> over 400 repeated 100-shot runs (broadcasting) vs sqrt((1 - <Z>^2) / shots)."""
    theta, shots, runs = 1.2, 100, 400

    @qml.qnode(qml.device("default.qubit", wires=1, seed=2))
    def c(t):
        qml.RY(t, wires=0)
        return samples([0])

    bits = qml.set_shots(c, shots=shots)(np.full(runs, theta))  # (runs, shots, 1)
    est = estimate_expval_from_samples(bits)[:, 0]
    predicted = expval_standard_error(np.cos(theta), shots)
    assert predicted == pytest.approx(np.sin(theta) / 10)
    assert np.std(est, ddof=1) == pytest.approx(predicted, rel=0.15)
    np.testing.assert_allclose(expval_standard_error(0.0, np.array([1, 4, 100])), [1.0, 0.5, 0.1])


# --- bad inputs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: postselect([0.5, 0.6, 0.0, 0.0], 1), ValueError, "probs: expected probabilities summing to 1"),
        (lambda: postselect([1.2, -0.2, 0.0, 0.0], 1), ValueError, "probs: expected non-negative"),
        (lambda: postselect(np.full(6, 1 / 6), 1), ValueError, "probs: expected the last dimension to be a power of two"),
        (lambda: postselect([0.5, 0.5], 1), ValueError, r"n_ancillas: expected an integer in 0\.\.0, got 1"),
        (lambda: postselect(np.full(8, 1 / 8), -1), ValueError, r"n_ancillas: expected an integer in 0\.\.2"),
        (lambda: postselect(np.full(8, 1 / 8), 1.0), TypeError, "n_ancillas: expected an integer"),
        (lambda: postselect(np.full(8, 1 / 8), 1, ancilla_value=2), ValueError, "ancilla_value: expected 0 or 1"),
        (lambda: postselect([0.0, 0.0, 0.5, 0.5], 1), ValueError, "probs: the probability that the ancillas read 0 is 0"),
        (lambda: postselect([0.5, np.nan, 0.5, 0.0], 1), ValueError, "probs: expected finite"),
        (lambda: postselect("nonsense", 1), TypeError, "probs: expected an array of numbers"),
        (lambda: check_probs(np.float64(1.0)), ValueError, "probs: expected an array of shape"),
        (lambda: to_pixels([0.5, 0.5], method="sum"), ValueError, "method: expected one of"),
        (lambda: to_pixels([0.0, 0.0]), ValueError, "p: expected at least one positive entry"),
        (lambda: to_pixels([0.25, 0.25], "minmax"), ValueError, "p: expected at least two different values"),
        (lambda: to_pixels([0.5, -0.1]), ValueError, "p: expected non-negative"),
        (lambda: empirical_probs(np.array([[0, 2]]), 2), ValueError, "samples: expected computational-basis bits"),
        (lambda: empirical_probs(np.array([[0, 1]]), 3), ValueError, r"samples: expected shape \(\.\.\., shots, 3\)"),
        (lambda: empirical_probs(np.array([0, 1]), 0), ValueError, r"n_wires: expected an integer >= 1"),
        (lambda: estimate_expval_from_samples(np.array([0, 1]), kind="zz"), ValueError, "kind: expected 'bits'"),
        (lambda: estimate_expval_from_samples(np.array([0, 1]), kind="eigenvalues"), ValueError, "samples: expected Pauli-Z eigenvalues"),
        (lambda: estimate_expval_from_samples(np.zeros((0, 2))), ValueError, "samples: expected at least one shot"),
        (lambda: expval_standard_error(0.5, 0), ValueError, "shots: expected positive integers"),
        (lambda: expval_standard_error(0.5, 10.5), TypeError, "shots: expected a positive integer"),
        (lambda: expval_standard_error(1.5, 10), ValueError, r"expval: expected expectation values in \[-1, 1\]"),
        (lambda: expval_to_pixels(np.array([2.0])), ValueError, r"expvals: expected Pauli-Z expectation values"),
    ],
)
def test_bad_inputs_have_clear_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_zero_success_is_an_error_not_nan_for_torch_batches():
    p = torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"is 0 \(batch index \(1,\)\)"):
        postselect(p, 1)
    cond = postselect(p[:1], 1)
    assert torch.isfinite(cond).all()
