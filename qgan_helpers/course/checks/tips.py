"""Exercises of the chapter "Practical tips" (book/tips.ipynb)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qgan_helpers.course.checks import as_scalar, expect, register

__all__: list[str] = []


def _shift_variance(c_plus: float, c_minus: float, shots: int) -> float:
    return ((1 - c_plus**2) + (1 - c_minus**2)) / (4 * shots)


@register(
    "ex-tips-shift-variance",
    "Variance of a parameter-shift gradient estimated from finite shots",
    (
        "Start with one shifted circuit: one shot gives +1 with probability (1 + C) / 2 and -1 otherwise. "
        "What is the variance of that single outcome, and of the mean of `shots` of them?",
        "One outcome has variance 1 - C**2, so the mean of `shots` outcomes has (1 - C**2) / shots. "
        "The two shifted circuits use independent shots, so their variances add; and halving a random "
        "number divides its variance by 4.",
        "Var[(a - b) / 2] = (Var[a] + Var[b]) / 4 with Var[a] = (1 - c_plus**2) / shots and "
        "Var[b] = (1 - c_minus**2) / shots.",
    ),
    "shift_variance",
)
def _check_shift_variance(shift_variance: Any) -> None:
    expect(callable(shift_variance), "shift_variance should be a function of (c_plus, c_minus, shots)")
    cases = [(0.0, 0.0, 100), (0.6, -0.2, 10), (1.0, -1.0, 50), (0.3, 0.9, 1)]
    for c_plus, c_minus, shots in cases:
        got = as_scalar(shift_variance(c_plus, c_minus, shots), f"shift_variance({c_plus}, {c_minus}, {shots})")
        want = _shift_variance(c_plus, c_minus, shots)
        if want > 0 and abs(got - 4 * want) < 1e-12:
            expect(False, f"shift_variance({c_plus}, {c_minus}, {shots}) = {got:.6g} is 4 times too large: "
                   "the estimate is (C+ - C-) / 2, and halving a random number divides its variance by 4")
        if want > 0 and abs(got - 2 * want) < 1e-12:
            expect(False, f"shift_variance({c_plus}, {c_minus}, {shots}) = {got:.6g} is twice too large: "
                   "Var[(a - b) / 2] = (Var[a] + Var[b]) / 4")
        expect(abs(got - want) < 1e-12,
               f"shift_variance({c_plus}, {c_minus}, {shots}) should be {want:.6g}, got {got:.6g}")


@register(
    "ex-tips-slope",
    "Fit the exponent of a power law on a log-log scale",
    (
        "Take logarithms of both sides of y = b * x**a: what kind of curve is log(y) against log(x)?",
        "log(y) = log(b) + a * log(x) is a straight line with slope a. Fit a straight line to "
        "(log(x), log(y)) by least squares, using all the points.",
        "np.polyfit(np.log(x), np.log(y), 1) returns [slope, intercept]; return the slope as a float.",
    ),
    "fitted_slope",
)
def _check_slope(fitted_slope: Any) -> None:
    expect(callable(fitted_slope), "fitted_slope should be a function of (x, y)")
    x = np.array([10.0, 30.0, 100.0, 300.0, 1000.0])
    for a, b in ((-1.0, 0.5), (0.5, 3.0), (-2.0, 1.0)):
        got = as_scalar(fitted_slope(x.copy(), b * x**a), f"fitted_slope(x, {b} * x**{a})")
        expect(abs(got - a) < 1e-6, f"for y = {b} * x**{a} the slope on a log-log scale is {a}, got {got:.4g}"
               + (" (did you fit y against x without taking logarithms?)" if abs(got) < 0.05 else ""))
    noisy = 0.5 / x * np.exp(np.array([0.05, -0.03, 0.02, -0.04, 0.01]))
    want = float(np.polyfit(np.log(x), np.log(noisy), 1)[0])
    got = as_scalar(fitted_slope(x.copy(), noisy.copy()), "fitted_slope(x, noisy data)")
    expect(abs(got - want) < 1e-6,
           f"on noisy data the least-squares slope is {want:.4f}, got {got:.4f} (use all points, not two of them)")


def _batch_shots(c_plus: np.ndarray, c_minus: np.ndarray, tolerance: float) -> int:
    per_sample = ((1 - c_plus**2) + (1 - c_minus**2)) / 4  # one-shot variance of each sample's estimate
    return max(1, math.ceil(per_sample.sum() / (len(per_sample) ** 2 * tolerance**2) - 1e-9))


@register(
    "ex-tips-shots-needed",
    "Shots per circuit for a training gradient averaged over a batch",
    (
        "Write down the variance of one sample's estimate with S shots (the previous exercise), then ask "
        "what averaging B independent estimates does to a variance.",
        "Var[(g_1 + ... + g_B) / B] = (Var[g_1] + ... + Var[g_B]) / B**2, and each Var[g_b] is "
        "v_b / S with v_b = ((1 - c_plus[b]**2) + (1 - c_minus[b]**2)) / 4.",
        "Require sum(v_b) / (B**2 * S) <= tolerance**2: S = ceil(sum(v_b) / (B**2 * tolerance**2)), "
        "at least 1, returned as an int.",
    ),
    "batch_shots",
)
def _check_batch_shots(batch_shots: Any) -> None:
    expect(callable(batch_shots), "batch_shots should be a function of (c_plus, c_minus, tolerance)")
    rng = np.random.default_rng(5)
    cases = [
        (np.zeros(1), np.zeros(1), 0.01),
        (np.zeros(32), np.zeros(32), 0.01),
        (rng.uniform(-0.9, 0.9, 16), rng.uniform(-0.9, 0.9, 16), 0.02),
        (np.array([0.5, -0.3, 0.9, 0.1]), np.array([0.2, 0.2, -0.7, 0.0]), 0.005),
    ]
    for c_plus, c_minus, tol in cases:
        what = f"batch_shots(<{len(c_plus)} samples>, ..., {tol})"
        got = batch_shots(c_plus.copy(), c_minus.copy(), tol)
        expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
               f"{what} should return a whole number of shots (an int), got {type(got).__name__}")
        want = _batch_shots(c_plus, c_minus, tol)
        per_sample = ((1 - c_plus**2) + (1 - c_minus**2)) / 4
        size = len(per_sample)
        if size > 1 and got == max(1, math.ceil(per_sample.mean() / tol**2 - 1e-9)) and got != want:
            expect(False, f"{what} = {got}: that is what ONE sample with the average variance needs. The batch "
                   f"mean averages {size} independent estimates, which divides the variance by {size} more")
        if size > 1 and got == max(1, math.ceil(per_sample.sum() / tol**2 - 1e-9)) and got != want:
            expect(False, f"{what} = {got}: the variances of a sum add, but the batch MEAN divides the sum by "
                   f"B = {size}, and its variance by B**2")
        expect(got >= want, f"{what} = {got} shots are not enough: the batch gradient's standard deviation would be "
               f"{math.sqrt(per_sample.sum() / (size**2 * max(int(got), 1))):.4g} > {tol}")
        expect(got == want, f"{what} = {got} is more than needed: {want} shots per circuit already reach {tol}")
    one = batch_shots(np.array([1.0, -1.0]), np.array([-1.0, 1.0]), 0.1)
    expect(one == 1, "when every C is +1 or -1 the estimates have no noise: one shot suffices")


_INIT_SCALE = 0.1  # the page's small-angle spread
_EXPERIMENT = ((2, 4, 400, 11), (6, 4, 400, 12))  # (qubits, layers, draws, seed) the check asks for
_REFERENCE_DRAWS = 1200


def _log_variance_and_se(grads: np.ndarray, draws: int) -> tuple[float, float]:
    """log of the variance of ``grads`` and the standard error of a log-variance from ``draws`` draws."""
    centred = grads - grads.mean()
    var = float(np.mean(centred**2))
    kurtosis = float(np.mean(centred**4)) / var**2
    return math.log(var), math.sqrt(max(kurtosis - 1.0, 0.5) / draws)


def _reference_ratio(n_qubits: int, layers: int, draws: int) -> tuple[float, float]:
    """The check's own measurement: log of Var_small / Var_uniform and the standard error of a learner's
    log-ratio measured from ``draws`` draws per initialisation (the reference's own error added)."""
    from qgan_helpers.quantum.gradients import gradient_samples

    logs, ses = [], []
    for init, seed in (("small", 9001), ("uniform", 9002)):
        g = gradient_samples(n_qubits, layers, ansatz="patch", init=init, cost="global",
                             draws=_REFERENCE_DRAWS, scale=_INIT_SCALE, seed=seed)[:, 0]
        log_var, se_learner = _log_variance_and_se(g, draws)
        logs.append(log_var)
        ses.append(se_learner**2 * (1 + draws / _REFERENCE_DRAWS))
    return logs[0] - logs[1], math.sqrt(sum(ses))


@register(
    "ex-tips-init-ratio",
    "Experiment: how much larger small-angle gradients are, measured at two register sizes",
    (
        "gradient_samples(n, layers, ansatz='patch', init=..., cost='global', draws=..., scale=..., seed=...) "
        "returns one row of gradients per draw; column 0 is the derivative with respect to the first angle.",
        "Measure twice with the same n and layers: once with init='small' and scale=0.1, once with "
        "init='uniform'. Take the variance of column 0 for each and divide small by uniform.",
        "g_small = gradient_samples(n_qubits, layers, ansatz='patch', init='small', cost='global', "
        "draws=draws, scale=0.1, seed=seed)[:, 0], the same with init='uniform' and seed + 1; "
        "return float(g_small.var() / g_uniform.var()).",
    ),
    "variance_ratio",
)
def _check_init_ratio(variance_ratio: Any) -> None:
    expect(callable(variance_ratio), "variance_ratio should be a function of (n_qubits, layers, draws, seed)")
    measured = []
    for n, layers, draws, seed in _EXPERIMENT:
        what = f"variance_ratio({n}, {layers}, {draws}, {seed})"
        got = as_scalar(variance_ratio(n, layers, draws, seed), what)
        expect(got > 0, f"{what} = {got:.4g}: a ratio of two variances is positive")
        want, se = _reference_ratio(n, layers, draws)
        off = math.log(got) - want
        if abs(off) > 4 * se and abs(math.log(got) + want) < 4 * se:
            expect(False, f"{what} = {got:.3g} is the inverse of what the check measures "
                   f"({math.exp(want):.3g}): divide the small-angle variance by the uniform one")
        expect(abs(off) < 4 * se,
               f"{what} = {got:.3g}, but re-measured with {_REFERENCE_DRAWS} draws per initialisation it is "
               f"{math.exp(want):.3g} (your {draws} draws allow about x{math.exp(se):.2f} of scatter). "
               "Check the cost ('global'), the ansatz ('patch'), the spread (scale=0.1) and the column (0)")
        measured.append(got)
    expect(measured[1] > measured[0],
           f"the ratio should grow with the register: {measured[0]:.3g} at {_EXPERIMENT[0][0]} qubits, "
           f"{measured[1]:.3g} at {_EXPERIMENT[1][0]}")
