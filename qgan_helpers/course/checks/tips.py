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
    "Each expectation value is the mean of `shots` outcomes +-1, so its variance is (1 - c**2) / shots. "
    "The two shifted circuits use independent shots, and Var[(a - b) / 2] = (Var[a] + Var[b]) / 4.",
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
    "A power law y = b * x**a is a straight line log(y) = log(b) + a * log(x); fit a line with "
    "np.polyfit(np.log(x), np.log(y), 1) and return its slope (the first coefficient).",
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


@register(
    "ex-tips-shots-needed",
    "Shots for a parameter-shift gradient of a given precision",
    "With S shots per shifted circuit the variance is ((1 - c_plus**2) + (1 - c_minus**2)) / (4 S). "
    "Require it to be at most tolerance**2, solve for S and round UP (math.ceil); at least one shot.",
    "shots_needed",
)
def _check_shots_needed(shots_needed: Any) -> None:
    expect(callable(shots_needed), "shots_needed should be a function of (c_plus, c_minus, tolerance)")
    for c_plus, c_minus, tol in ((0.0, 0.0, 0.01), (0.5, -0.3, 0.02), (0.9, 0.9, 0.05), (0.2, 0.1, 0.003)):
        got = shots_needed(c_plus, c_minus, tol)
        what = f"shots_needed({c_plus}, {c_minus}, {tol})"
        expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
               f"{what} should return a whole number of shots (an int), got {type(got).__name__}")
        one = ((1 - c_plus**2) + (1 - c_minus**2)) / 4
        want = max(1, math.ceil(one / tol**2 - 1e-9))
        if got == math.ceil(math.sqrt(one) / tol):
            expect(False, f"{what} = {got}: the standard deviation falls like 1/sqrt(shots), "
                   "so solve one_shot_variance / shots <= tolerance**2")
        expect(got >= want, f"{what} = {got} shots are not enough: the gradient's standard deviation would be "
               f"{math.sqrt(one / max(int(got), 1)):.4g} > {tol}")
        expect(got == want, f"{what} = {got} is more than needed: {want} shots already reach {tol}")
    expect(shots_needed(1.0, -1.0, 0.1) == 1, "when C+ = 1 and C- = -1 the estimate has no noise: one shot suffices")
