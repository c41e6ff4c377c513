"""Tests of qgan_helpers.course.results (the training page reads the benchmark files with it)."""

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
