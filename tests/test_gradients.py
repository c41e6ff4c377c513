"""qgan_helpers.quantum.gradients: gradient variance over random initialisations, shot-noise gradient estimates.

The names come from ``gradients``, which re-exports those of ``gradient_setup`` and ``shot_gradients``.
"""

from __future__ import annotations

import doctest

import numpy as np
import pennylane as qml
import pytest

from qgan_helpers.quantum import gradient_setup, gradients, shot_gradients
from qgan_helpers.quantum.circuits import seed_ansatz
from qgan_helpers.quantum.gradients import (
    cost_observable,
    cost_signs,
    exact_gradient,
    gradient_samples,
    gradient_variance,
    init_parameters,
    loglog_slope,
    parameter_shift_variance,
    shot_gradient_estimates,
    variance_grid,
    weight_shape,
)


def test_doctests():
    results = [doctest.testmod(m, optionflags=doctest.ELLIPSIS) for m in (gradients, gradient_setup, shot_gradients)]
    assert all(r.attempted > 0 for r in results) and sum(r.attempted for r in results) >= 10
    assert sum(r.failed for r in results) == 0


# -- hand-computed cases ------------------------------------------------------------------------------
def test_one_qubit_ry_variance_is_one_half():
    # C = <Z> after RY(theta) = cos(theta); dC/dtheta = -sin(theta); theta ~ U[0, 2pi): Var = E[sin^2] = 1/2
    g = gradient_samples(1, 1, ansatz="patch", cost="local", draws=20000, seed=3)
    assert g.shape == (20000, 1)
    assert abs(g.var() - 0.5) < 0.01
    theta = init_parameters((1, 1), "uniform", draws=20000, rng=3).reshape(-1)
    np.testing.assert_allclose(g[:, 0], -np.sin(theta), atol=1e-12)


def test_patch_one_layer_global_cost_matches_product_formula():
    # one patch layer: RY on every wire, then diagonal CZs that do not change Z-strings:
    # <Z x ... x Z> = prod_i cos(theta_i), so dC/dtheta_0 = -sin(theta_0) prod_{i>0} cos(theta_i)
    n, draws = 4, 300
    g = gradient_samples(n, 1, ansatz="patch", cost="global", draws=draws, seed=5)
    theta = init_parameters((1, n), "uniform", draws=draws, rng=5).reshape(draws, n)
    expected = -np.sin(theta[:, 0]) * np.prod(np.cos(theta[:, 1:]), axis=1)
    np.testing.assert_allclose(g[:, 0], expected, atol=1e-12)


def test_global_variance_halves_per_qubit_for_one_uniform_layer():
    # Var = E[sin^2] * E[cos^2]^(n-1) = 2**-n for uniform angles
    for n in (2, 4):
        v = gradient_variance(n, 1, ansatz="patch", cost="global", draws=6000, seed=1)
        assert abs(v / 2.0**-n - 1) < 0.08, (n, v)


def test_small_angle_variance_matches_gaussian_moments():
    # theta ~ N(0, s^2): E[sin^2] = (1 - exp(-2 s^2)) / 2, E[cos^2] = (1 + exp(-2 s^2)) / 2
    n, s = 3, 0.3
    v = gradient_variance(n, 1, ansatz="patch", init="small", scale=s, cost="global", draws=8000, seed=2)
    expected = (1 - np.exp(-2 * s**2)) / 2 * ((1 + np.exp(-2 * s**2)) / 2) ** (n - 1)
    assert abs(v / expected - 1) < 0.08


def test_seed_ansatz_one_qubit_gradients():
    # RX(a) RY(b) RZ(c) |0>: <Z> = cos(a) cos(b)
    draws = 500
    g = gradient_samples(1, 1, ansatz="seed", cost="local", draws=draws, seed=7)
    a, b, _ = init_parameters((1, 1, 3), "uniform", draws=draws, rng=7).reshape(draws, 3).T
    np.testing.assert_allclose(g[:, 0], -np.sin(a) * np.cos(b), atol=1e-12)
    np.testing.assert_allclose(g[:, 1], -np.cos(a) * np.sin(b), atol=1e-12)
    np.testing.assert_allclose(g[:, 2], 0.0, atol=1e-12)


@pytest.mark.parametrize("cost", ["local", "global"])
def test_seed_ansatz_gradients_match_pennylane_parameter_shift(cost):
    n, layers, draws = 3, 2, 3
    g = gradient_samples(n, layers, ansatz="seed", cost=cost, draws=draws, seed=11)
    params = init_parameters(weight_shape("seed", layers, n), "uniform", draws=draws, rng=11)
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(w):
        seed_ansatz(w, n)
        return qml.expval(cost_observable(cost, n))

    for d in range(draws):
        w = qml.numpy.array(params[d], requires_grad=True)
        ref = qml.grad(circuit)(w)
        np.testing.assert_allclose(g[d], np.asarray(ref).reshape(-1), atol=1e-8)
        assert exact_gradient(params[d], ansatz="seed", cost=cost, param=4) == pytest.approx(float(ref.reshape(-1)[4]))


def test_several_costs_share_one_pass_and_agree_with_separate_runs():
    both = gradient_samples(3, 2, ansatz="patch", cost=("local", "global"), draws=20, seed=4)
    for c in ("local", "global"):
        np.testing.assert_allclose(both[c], gradient_samples(3, 2, ansatz="patch", cost=c, draws=20, seed=4))
    grid = variance_grid([2, 3], [1, 2], ansatz="patch", cost=("local", "global"), draws=30)
    assert set(grid) == {"local", "global"} and grid["local"].shape == (2, 2)
    assert grid["global"][0, 0] == pytest.approx(gradient_variance(2, 1, ansatz="patch", cost="global", draws=30))


def test_cost_signs_agree_with_pennylane_expectations():
    n = 3
    state = np.random.default_rng(0).normal(size=2**n) + 1j * np.random.default_rng(1).normal(size=2**n)
    state /= np.linalg.norm(state)
    dev = qml.device("default.qubit", wires=n)
    for cost in ("local", "global"):

        @qml.qnode(dev)
        def circuit(cost=cost):
            qml.StatePrep(state, wires=range(n))
            return qml.expval(cost_observable(cost, n))

        assert np.abs(state) ** 2 @ cost_signs(cost, n) == pytest.approx(float(circuit()))


def test_init_strategies():
    u = init_parameters((4, 3), "uniform", draws=2000, rng=0)
    assert u.shape == (2000, 4, 3) and u.min() >= 0 and u.max() < 2 * np.pi
    s = init_parameters((4, 3), "small", draws=2000, scale=0.05, rng=0)
    assert abs(s.std() - 0.05) < 0.003 and abs(s.mean()) < 0.003
    lw = init_parameters((4, 3), "layerwise", draws=10, active_layers=2, rng=0)
    assert np.all(lw[:, 2:] == 0) and np.all(lw[:, :2] > 0)
    np.testing.assert_array_equal(init_parameters((2,), rng=5), init_parameters((2,), rng=5))


def test_layerwise_with_one_active_layer_equals_one_layer_for_local_cost():
    # zero layers are CZ chains only; Z on wire 0 commutes with them, so the local cost sees one layer
    deep = gradient_samples(4, 5, ansatz="patch", init="layerwise", cost="local", draws=50, seed=2)
    shallow = gradient_samples(4, 1, ansatz="patch", init="uniform", cost="local", draws=50, seed=2)
    np.testing.assert_allclose(deep[:, :4], shallow, atol=1e-12)


# -- finite shots -------------------------------------------------------------------------------------
def test_parameter_shift_variance_formula():
    assert parameter_shift_variance(0.0, 0.0, 100) == pytest.approx(0.005)
    assert parameter_shift_variance(1.0, -1.0, 10) == 0.0
    np.testing.assert_allclose(parameter_shift_variance(0.5, 0.0, np.array([1, 4])), [0.4375, 0.109375])


def test_shot_estimates_are_unbiased_with_the_predicted_variance():
    theta = 0.7  # patch ansatz, one qubit: C = cos(theta), C(theta +- pi/2) = -+ sin(theta)
    w = np.array([[theta]])
    g = shot_gradient_estimates(w, shots=50, repeats=3000, ansatz="patch", seed=1)
    assert g.shape == (3000,)
    predicted = parameter_shift_variance(-np.sin(theta), np.sin(theta), 50)
    assert abs(g.var() / predicted - 1) < 0.1
    assert abs(g.mean() + np.sin(theta)) < 4 * np.sqrt(predicted / 3000)


def test_mini_batches_divide_the_variance():
    w = np.array([[0.3, 1.1]])
    one = shot_gradient_estimates(w, shots=20, repeats=2000, ansatz="patch", cost="global", seed=2)
    four = shot_gradient_estimates(w, shots=20, repeats=2000, batches=4, ansatz="patch", cost="global", seed=2)
    assert abs(one.var() / four.var() / 4 - 1) < 0.15


def test_perturbation_targets_the_smoothed_gradient():
    # E[cos(theta + eps)] = exp(-sigma^2 / 2) cos(theta): the perturbed estimate shrinks the gradient
    theta, sigma = 0.9, 0.5
    g = shot_gradient_estimates(np.array([[theta]]), shots=200, repeats=3000, perturbation=sigma,
                                ansatz="patch", seed=3)
    assert g.mean() == pytest.approx(-np.exp(-sigma**2 / 2) * np.sin(theta), abs=0.02)
    assert g.var() > parameter_shift_variance(-np.sin(theta), np.sin(theta), 200)


def test_loglog_slope():
    x = np.array([10, 100, 1000])
    assert loglog_slope(x, 3.0 / x) == pytest.approx(-1.0)
    assert loglog_slope(x, x**0.5) == pytest.approx(0.5)


# -- bad inputs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gradient_samples(0, 1), ValueError, r"n_qubits: expected an integer >= 1, got 0"),
        (lambda: gradient_samples(2, 1.5), ValueError, r"layers: expected an integer >= 1"),
        (lambda: gradient_samples(2, 1, ansatz="qaoa"), ValueError, r"ansatz: expected one of 'seed', 'patch'"),
        (lambda: gradient_samples(2, 1, init="xavier"), ValueError, r"init: expected one of 'uniform'"),
        (lambda: gradient_samples(2, 1, cost="energy"), ValueError, r"cost: expected one of 'local', 'global'"),
        (lambda: gradient_samples(2, 1, draws=1), ValueError, r"draws: expected at least 2 draws"),
        (lambda: gradient_samples(2, 1, seed=-1), ValueError, r"seed: expected an integer >= 0"),
        (lambda: gradient_variance(2, 1, param=99, draws=4), ValueError, r"param: expected an index in \[0, 5\]"),
        (lambda: gradient_variance(2, 1, param="max", draws=4), ValueError, r"param: expected a parameter index"),
        (lambda: variance_grid([], [1]), ValueError, r"qubits: expected a non-empty sequence"),
        (lambda: init_parameters((), "uniform"), ValueError, r"shape: expected a non-empty sequence"),
        (lambda: init_parameters((2, 3), "small", scale=-0.1), ValueError, r"scale: expected a number >= 0"),
        (lambda: init_parameters((2, 3), "layerwise", active_layers=3), ValueError,
         r"active_layers: expected at most the number of layers \(2\), got 3"),
        (lambda: cost_signs("local", 0), ValueError, r"n_qubits: expected an integer >= 1"),
        (lambda: parameter_shift_variance(1.5, 0.0, 10), ValueError, r"c_plus: expected expectation values in \[-1, 1\]"),
        (lambda: parameter_shift_variance(0.0, 0.0, 0), ValueError, r"shots: expected positive integers"),
        (lambda: shot_gradient_estimates(np.zeros((1, 2)), shots=0), ValueError,
         r"weights: expected shape \(layers, 2, 3\)"),
        (lambda: shot_gradient_estimates(np.zeros((1, 2)), shots=0, ansatz="patch"), ValueError,
         r"shots: expected an integer >= 1, got 0"),
        (lambda: shot_gradient_estimates(np.zeros((1, 2)), shots=5, repeats=1, ansatz="patch"), ValueError,
         r"repeats: expected at least 2"),
        (lambda: shot_gradient_estimates(np.zeros((1, 2)), shots=5, param=2, ansatz="patch"), ValueError,
         r"param: expected a parameter index in \[0, 1\], got 2"),
        (lambda: shot_gradient_estimates(np.zeros((1, 2)), shots=5, perturbation=-1, ansatz="patch"), ValueError,
         r"perturbation: expected a number >= 0"),
        (lambda: shot_gradient_estimates(np.full((1, 2), np.nan), shots=5, ansatz="patch"), ValueError,
         r"weights: expected finite angles"),
        (lambda: exact_gradient(None), ValueError, r"weights: expected a weight tensor"),
        (lambda: loglog_slope([1, 2], [1.0, 0.0]), ValueError, r"y: expected positive finite values"),
        (lambda: loglog_slope([1], [1.0]), ValueError, r"x: expected at least two points"),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- the chapter's exercise checkers recognise the typical mistakes ----------------------------------
def test_tips_checkers_name_typical_mistakes():
    import math

    from qgan_helpers.course.checks import exercise

    r = exercise("ex-tips-shift-variance").check(lambda cp, cm, s: ((1 - cp**2) + (1 - cm**2)) / s, verbose=False)
    assert r.status == "not yet" and "4 times too large" in r.reason
    r = exercise("ex-tips-slope").check(lambda x, y: float(np.polyfit(x, y, 1)[0]), verbose=False)
    assert r.status == "not yet" and "without taking logarithms" in r.reason
    one_shot = lambda cp, cm: ((1 - cp**2) + (1 - cm**2)) / 4  # noqa: E731
    r = exercise("ex-tips-shots-needed").check(
        lambda cp, cm, tol: max(1, math.ceil(one_shot(cp, cm).mean() / tol**2)), verbose=False)
    assert r.status == "not yet" and "ONE sample" in r.reason
    r = exercise("ex-tips-shots-needed").check(
        lambda cp, cm, tol: max(1, math.ceil(one_shot(cp, cm).sum() / tol**2)), verbose=False)
    assert r.status == "not yet" and "B**2" in r.reason
    r = exercise("ex-tips-shots-needed").check(lambda cp, cm, tol: 10**6, verbose=False)
    assert r.status == "not yet" and "more than needed" in r.reason


def test_tips_experiment_check_remeasures_the_learners_result():
    from qgan_helpers.course.checks import exercise

    ex = exercise("ex-tips-init-ratio")
    measure = ex.load_solution()
    assert ex.check(measure, verbose=False).status == "correct"
    # a number typed in, however plausible, fails: the ratio depends on the register size
    for typed in (0.17, 1.9, 30.0):
        r = ex.check(lambda n, layers, draws, seed, typed=typed: typed, verbose=False)
        assert r.status == "not yet", typed
    r = ex.check(lambda n, layers, draws, seed: 1 / measure(n, layers, draws, seed), verbose=False)
    assert r.status == "not yet" and "inverse" in r.reason
