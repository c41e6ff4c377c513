"""Tests of qgan_helpers.course.results (the training page reads the benchmark files with it), and of the
checks of the training page's experiment and of the appendix "Making it fast": wrong and hard-coded answers fail."""

import pytest

from qgan_helpers.course.results import (
    ablation_rows,
    budget_series,
    conditional_per_digit,
    load_result,
    seed_values,
)

ABLATION = {"variants": {"digit0": {
    "a": {"summary": {"params": 10, "two_sample": {"median": 0.9}, "frechet": {"median": 30.0}},
          "runs": [{"steps": 100}, {"steps": 100}, {"steps": 300}]},
}}}


def test_ablation_rows_medians_and_order():
    rows = ablation_rows(ABLATION, {"first": "a", "again": "a"}, measures=("two_sample", "frechet"))
    assert list(rows) == ["first", "again"]
    assert rows["first"] == {"params": 10, "steps": 100, "two_sample": 0.9, "frechet": 30.0}


def test_ablation_rows_errors_name_the_argument():
    with pytest.raises(KeyError, match="variants"):
        ablation_rows(ABLATION, {"x": "missing"})
    with pytest.raises(KeyError, match="digit"):
        ablation_rows(ABLATION, {"x": "a"}, digit="digit7")
    with pytest.raises(KeyError, match="measures"):
        ablation_rows(ABLATION, {"x": "a"}, measures=("coverage",))


def test_budget_series_sorted_by_params():
    curve = {"summary": {
        "mlp 200": {"params": 190, "frechet": {"median": 2.0, "min": 1.0, "max": 3.0}},
        "mlp 80": {"params": 76, "frechet": {"median": 5.0, "min": 4.0, "max": 6.0}},
        "patch": {"params": 450, "frechet": {"median": 9.0, "min": 9.0, "max": 9.0}},
    }}
    s = budget_series(curve, "frechet")
    assert s == {"params": [76, 190], "median": [5.0, 2.0], "min": [4.0, 1.0], "max": [6.0, 3.0]}
    with pytest.raises(KeyError, match="measure"):
        budget_series(curve, "recall")


def test_seed_values_and_conditional():
    runs = [{"seed": s, "scores": {"coverage": c}} for s, c in ((0, 0.5), (1, 0.7))]
    assert seed_values(runs, "coverage") == [0.5, 0.7]
    cond = {"runs": [{"per_digit": {"1": {"digit_accuracy": a, "coverage": 0.5}, "0": {"digit_accuracy": 1.0,
                                                                                      "coverage": 0.9}}}
                     for a in (0.6, 0.8, 0.7)]}
    rows = conditional_per_digit(cond, measures=("digit_accuracy", "coverage"))
    assert list(rows) == [0, 1]
    assert rows[1]["digit_accuracy"] == pytest.approx(0.7)
    assert (rows[1]["digit_accuracy_min"], rows[1]["digit_accuracy_max"]) == (0.6, 0.8)


def test_shipped_results_read():
    ablation = load_result("patch_ablation")
    assert "digit0" in ablation["variants"]
    assert budget_series(load_result("budget_curve"), "two_sample")["params"]
    with pytest.raises(FileNotFoundError, match="bench_nothing"):
        load_result("nothing")
    with pytest.raises(ValueError, match="name"):
        load_result("../x")


# -- the checks of the training page's experiment and of the appendix "Making it fast" -------------------------
def _status(label, answer):
    from qgan_helpers.course.checks import exercise

    return exercise(label).check(answer, verbose=False)


def test_pshift_check_wants_shifted_runs_not_autograd_or_a_finite_difference():
    import math

    import torch

    assert _status("ex-training-pshift", _load("ex-training-pshift")).status == "correct"

    def by_autograd(f, weights):  # the right numbers, but no circuit runs at shifted angles
        w = weights.clone().requires_grad_(True)
        f(w).backward()
        return w.grad

    def finite_difference(f, weights, h=1e-4):
        grad = torch.zeros_like(weights)
        for i in range(weights.numel()):
            step = torch.zeros(weights.numel(), dtype=weights.dtype)
            step[i] = h
            step = step.reshape(weights.shape)
            grad.view(-1)[i] = (f(weights + step) - f(weights - step)) / (2 * h)
        return grad

    def no_half(f, weights):
        grad = torch.zeros_like(weights)
        for i in range(weights.numel()):
            step = torch.zeros(weights.numel(), dtype=weights.dtype)
            step[i] = math.pi / 2
            step = step.reshape(weights.shape)
            grad.view(-1)[i] = f(weights + step) - f(weights - step)
        return grad

    assert "unshifted" in _status("ex-training-pshift", by_autograd).reason
    assert "finite difference" in _status("ex-training-pshift", finite_difference).reason
    assert "divide" in _status("ex-training-pshift", no_half).reason
    # a hard-coded gradient of the right shape fails: the check counts the circuit runs
    assert _status("ex-training-pshift", lambda f, w: torch.zeros_like(w)).status == "not yet"


def _load(label):
    from qgan_helpers.course.checks import exercise

    return exercise(label).load_solution()


def test_speed_gate_check_catches_bit_order_and_transpose():
    solution = _load("ex-speed-gate")
    assert _status("ex-speed-gate", solution).status == "correct"
    flipped = _status("ex-speed-gate", lambda s, m, w, n: solution(s, m, n - 1 - w, n))
    assert "MOST significant" in flipped.reason
    transposed = _status("ex-speed-gate", lambda s, m, w, n: solution(s, m.transpose(1, 2), w, n))
    assert "transposed" in transposed.reason
    assert _status("ex-speed-gate", lambda s, m, w, n: s).status == "not yet"


def test_speed_czsigns_check_rejects_hard_coded_and_ring():
    import torch

    solution = _load("ex-speed-czsigns")
    assert _status("ex-speed-czsigns", solution).status == "correct"
    # the two-qubit answer, hard-coded, fails for more qubits
    assert _status("ex-speed-czsigns", lambda n: torch.tensor([1.0, 1.0, 1.0, -1.0])).status == "not yet"

    def ring(n):  # a closed chain: CZ(n-1, 0) as well
        signs = solution(n)
        index = torch.arange(2**n)
        return signs * (1 - 2 * (((index >> (n - 1)) & 1) * (index & 1))).double()

    assert "open" in _status("ex-speed-czsigns", ring).reason


def test_speed_safeload_check_catches_a_full_unpickle():
    import torch

    assert _status("ex-speed-safeload", _load("ex-speed-safeload")).status == "correct"
    unsafe = _status("ex-speed-safeload", lambda path: torch.load(path, weights_only=False))
    assert unsafe.status == "not yet" and "ran the code" in unsafe.reason
