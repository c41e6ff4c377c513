"""Tests of qgan_helpers.hardware.per_circuit: per-circuit TV, pixel error, shot floor, aggregation over seeds.

The names are imported from ``per_circuit``, which re-exports them from ``error_measures``,
``mitigation_comparison`` and ``summaries``; the doctests of all four modules run here.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import torch

from qgan_helpers.hardware import (
    DepolarizingNoise,
    device_probs,
    error_measures,
    extrapolate_to_zero,
    mitigate_readout,
    mitigation_comparison,
    summaries,
    to_distribution,
)
from qgan_helpers.hardware import per_circuit as ce
from qgan_helpers.hardware.per_circuit import (
    SETTINGS,
    aggregate_seeds,
    circuit_errors,
    gap_recovered,
    median_pairwise_distance,
    mitigation_errors,
    mitigation_probs,
    negative_mass,
    pixel_error,
    summarize,
    tv_distance,
)
from qgan_helpers.models import PatchQuantumGenerator

NOISE = DepolarizingNoise(p1=0.01, p2=0.05, readout=0.05)


@pytest.fixture(scope="module")
def small_gen() -> PatchQuantumGenerator:
    torch.manual_seed(0)
    return PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=2, n_generators=2, n_pixels=8)


@pytest.fixture(scope="module")
def noise4(small_gen) -> torch.Tensor:
    return small_gen.sample_noise(4, torch.Generator().manual_seed(1))


@pytest.fixture(scope="module")
def run(small_gen, noise4) -> ce.MitigationRun:
    return mitigation_probs(small_gen, noise4, NOISE, shots=400, seed=3)


@pytest.mark.parametrize("module", [ce, error_measures, mitigation_comparison, summaries], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- total variation ----------------------------------------------------------------------------
def test_tv_identical_is_zero_and_disjoint_is_one():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(8), size=(3, 5))
    np.testing.assert_array_equal(tv_distance(p, p), np.zeros((3, 5)))
    a = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    b = np.array([[0.0, 0.0, 0.2, 0.8], [1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(tv_distance(a, b), [1.0, 1.0])


def test_tv_matches_definition_and_is_symmetric():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(16), size=10), rng.dirichlet(np.ones(16), size=10)
    want = 0.5 * np.abs(p - q).sum(-1)
    np.testing.assert_allclose(tv_distance(p, q), want, atol=1e-15)
    np.testing.assert_allclose(tv_distance(q, p), want, atol=1e-15)
    # TV is the largest difference over events: the event {k : p_k > q_k}
    np.testing.assert_allclose(tv_distance(p, q), np.where(p > q, p - q, 0).sum(-1), atol=1e-15)


def test_tv_project_clips_and_renormalises():
    quasi = np.array([0.7, 0.4, -0.1])
    ideal = np.array([0.6, 0.4, 0.0])
    projected = to_distribution(quasi)
    assert tv_distance(quasi, ideal, project=True) == pytest.approx(0.5 * np.abs(projected - ideal).sum())
    with pytest.raises(ValueError, match="measured: expected non-negative.*project=True"):
        tv_distance(quasi, ideal)


@pytest.mark.parametrize(
    ("measured", "ideal", "match"),
    [
        ([0.5, 0.5], [0.25, 0.25, 0.5], "ideal: expected the same shape"),
        ([0.5, np.nan], [0.5, 0.5], "measured: expected finite"),
        ([0.5, 0.5], [np.inf, 0.0], "ideal: expected finite"),
        ([0.5, 0.6], [0.5, 0.5], "measured: expected each probability vector to sum to 1"),
        ([0.5, 0.5], [1.2, -0.2], "ideal: expected non-negative"),
        ([1.0], [1.0], "measured: expected probability vectors"),
        (["a", "b"], [0.5, 0.5], "measured: expected an array of numbers"),
    ],
)
def test_tv_rejects_bad_inputs(measured, ideal, match):
    with pytest.raises(ValueError, match=match):
        tv_distance(measured, ideal)


def test_tv_rejects_non_bool_project():
    with pytest.raises(ValueError, match="project"):
        tv_distance([0.5, 0.5], [0.5, 0.5], project="yes")


# -- pixel error, negative mass, median distance ------------------------------------------------
def test_pixel_error_zero_for_identical_and_mean_abs_otherwise():
    rng = np.random.default_rng(2)
    x = rng.random((5, 8, 8))
    np.testing.assert_array_equal(pixel_error(x, x), np.zeros(5))
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1)
    np.testing.assert_allclose(pixel_error(y, x), np.abs(y - x).reshape(5, -1).mean(1))
    np.testing.assert_allclose(pixel_error(torch.as_tensor(y), x), pixel_error(y, x))


@pytest.mark.parametrize(
    ("images", "ideal", "match"),
    [
        (np.zeros((3, 8)), np.zeros((3, 9)), "ideal_images: expected the same shape"),
        (np.zeros(8), np.zeros(8), "images: expected shape"),
        (np.full((2, 4), np.nan), np.zeros((2, 4)), "images: expected finite"),
        (np.zeros((2, 4)), np.full((2, 4), np.inf), "ideal_images: expected finite"),
    ],
)
def test_pixel_error_rejects_bad_inputs(images, ideal, match):
    with pytest.raises(ValueError, match=match):
        pixel_error(images, ideal)


def test_negative_mass():
    np.testing.assert_allclose(negative_mass([[0.6, 0.5, -0.1], [1.2, -0.1, -0.1]]), [0.1, 0.2])
    with pytest.raises(ValueError, match="values: expected finite"):
        negative_mass([0.5, np.nan])


def test_median_pairwise_distance():
    x = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [0.0, 2.0]])
    pairs = [np.linalg.norm(x[i] - x[j]) for i in range(4) for j in range(i + 1, 4)]
    assert median_pairwise_distance(x) == pytest.approx(np.median(pairs))
    assert median_pairwise_distance(x.reshape(4, 1, 2)) == pytest.approx(np.median(pairs))
    with pytest.raises(ValueError, match="images: expected shape .* N >= 2"):
        median_pairwise_distance(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="images: expected finite"):
        median_pairwise_distance([[0.0, np.nan], [1.0, 1.0]])


# -- aggregation ------------------------------------------------------------------------------------
def test_summarize():
    out = summarize(np.array([[1.0, 3.0], [2.0, 10.0]]))
    assert out == {"mean": 4.0, "std": pytest.approx(np.std([1, 3, 2, 10], ddof=1)), "median": 2.5,
                   "min": 1.0, "max": 10.0}
    assert summarize([0.3])["std"] == 0.0
    with pytest.raises(ValueError, match="values: expected at least one"):
        summarize([])
    with pytest.raises(ValueError, match="values: expected finite"):
        summarize([1.0, np.nan])


def test_aggregate_seeds_on_a_tiny_case():
    per_seed = {
        7: {"noisy": {"tv_mean": 0.2, "mmd2": 0.30}, "readout": {"tv_mean": 0.10, "mmd2": 0.05}},
        3: {"noisy": {"tv_mean": 0.4, "mmd2": 0.10}, "readout": {"tv_mean": 0.20, "mmd2": 0.15}},
        5: {"noisy": {"tv_mean": 0.3, "mmd2": 0.20}, "readout": {"tv_mean": 0.60, "mmd2": 0.10}},
    }
    out = aggregate_seeds(per_seed)
    assert out["seeds"] == [7, 3, 5]
    tv = out["noisy"]["tv_mean"]
    assert tv["values"] == [0.2, 0.4, 0.3]
    assert tv["mean"] == pytest.approx(0.3) and tv["median"] == pytest.approx(0.3)
    assert tv["std"] == pytest.approx(0.1) and tv["min"] == 0.2 and tv["max"] == 0.4
    ro = out["readout"]["tv_mean"]
    assert ro["mean"] == pytest.approx(0.3) and ro["median"] == pytest.approx(0.2)
    assert ro["std"] == pytest.approx(math.sqrt((0.2**2 + 0.1**2 + 0.3**2) / 2))
    assert out["readout"]["mmd2"]["values"] == [0.05, 0.15, 0.10]
    assert aggregate_seeds({0: {"a": 1.5}})["a"] == {"mean": 1.5, "std": 0.0, "median": 1.5, "min": 1.5,
                                                      "max": 1.5, "values": [1.5]}


@pytest.mark.parametrize(
    ("per_seed", "match"),
    [
        ({}, "per_seed: expected a non-empty mapping"),
        ([1.0, 2.0], "per_seed: expected a non-empty mapping"),
        ({0: 1.0}, "per_seed: expected each seed's results to be a mapping"),
        ({0: {"a": 1.0}, 1: {"b": 1.0}}, r"per_seed: expected seed 1 to have the keys \['a'\]"),
        ({0: {"x": {"a": 1.0}}, 1: {"x": {"a": float("nan")}}}, "per_seed: expected a finite number at 'x/a' for seed 1"),
        ({0: {"a": "0.1"}}, "per_seed: expected a number at 'a'"),
        ({0: {"a": True}}, "per_seed: expected a number at 'a'"),
        ({0: {"seeds": 1.0}}, "per_seed: 'seeds' is reserved"),
    ],
)
def test_aggregate_seeds_rejects_bad_inputs(per_seed, match):
    with pytest.raises(ValueError, match=match):
        aggregate_seeds(per_seed)


def test_gap_recovered():
    assert gap_recovered(0.2, 0.05, 0.04) == pytest.approx(0.9375)
    assert gap_recovered(0.2, 0.03, 0.04) > 1  # beyond the reference
    assert gap_recovered(0.2, 0.2, 0.04) == 0.0
    with pytest.raises(ValueError, match="reference: .*gap is zero"):
        gap_recovered(0.1, 0.05, 0.1)
    with pytest.raises(ValueError, match="repaired: expected a finite number"):
        gap_recovered(0.1, float("nan"), 0.0)


# -- the mitigation comparison on a small generator ------------------------------------------------
def test_mitigation_probs_shapes_and_distributions(small_gen, run):
    assert list(run.probs) == list(SETTINGS) and list(run.clipped) == list(SETTINGS)
    for name, p in run.probs.items():
        assert p.shape == (2, 4, 8), name
        assert p.min() >= 0 and np.allclose(p.sum(-1), 1), name
        assert run.clipped[name].shape == (2, 4) and run.clipped[name].min() >= 0
    for name in ("exact", "shots", "noisy"):
        assert not run.clipped[name].any()
    assert run.scales == (1, 3) and run.shots == 400 and run.seed == 3
    assert run.executions == 2 * 2 * 4 + 2  # two scales x G x B, plus two calibration circuits
    assert len(run.confusion) == 3


def test_mitigation_probs_match_the_chapter_pipeline(small_gen, noise4, run):
    """Every setting is what device_probs / mitigate_readout / extrapolate_to_zero give with the same runs."""
    np.testing.assert_allclose(run.probs["exact"], device_probs(small_gen, noise4, "ideal", shots=None))
    np.testing.assert_allclose(run.probs["shots"], device_probs(small_gen, noise4, "ideal", shots=400, seed=3))
    for mitigation in ("readout", "zne", "readout+zne"):
        want = device_probs(small_gen, noise4, NOISE, shots=400, seed=3, mitigation=mitigation)
        np.testing.assert_allclose(run.probs[mitigation], want, atol=1e-12, err_msg=mitigation)
    np.testing.assert_allclose(run.probs["noisy"], device_probs(small_gen, noise4, NOISE, shots=400, seed=3))


def test_project_false_keeps_the_quasi_probabilities(run):
    raw = mitigate_readout(run.probs["noisy"], run.confusion, project=False)
    np.testing.assert_allclose(raw.sum(-1), 1, atol=1e-12)
    np.testing.assert_allclose(to_distribution(raw), run.probs["readout"], atol=1e-12)
    np.testing.assert_allclose(negative_mass(raw), run.clipped["readout"], atol=1e-12)
    zne = extrapolate_to_zero([1, 3], [[0.9, 0.1], [0.6, 0.4]], project=False)
    np.testing.assert_allclose(zne, [1.05, -0.05])
    with pytest.raises(ValueError, match="project"):
        mitigate_readout(run.probs["noisy"], run.confusion, project=None)


def test_shot_floor_without_shots_is_exact(small_gen, noise4):
    exact_run = mitigation_probs(small_gen, noise4, NOISE, shots=None, seed=0)
    for name in ("shots", "shots+zne"):
        np.testing.assert_allclose(exact_run.probs[name], exact_run.probs["exact"], atol=1e-12)


def test_circuit_errors(small_gen, run):
    err = circuit_errors(small_gen, run.probs["noisy"], run.probs["exact"])
    assert err["tv"].shape == (2, 4) and err["pixel"].shape == (4,)
    np.testing.assert_allclose(err["tv"], 0.5 * np.abs(run.probs["noisy"] - run.probs["exact"]).sum(-1))
    same = circuit_errors(small_gen, run.probs["exact"], run.probs["exact"])
    assert not same["tv"].any() and not same["pixel"].any()
    with pytest.raises(ValueError, match=r"probs: expected shape \(2, B, 8\)"):
        circuit_errors(small_gen, run.probs["noisy"][:, :, :4], run.probs["exact"])
    with pytest.raises(ValueError, match="exact: expected finite"):
        circuit_errors(small_gen, run.probs["noisy"], np.full_like(run.probs["exact"], np.nan))


def test_mitigation_errors_rows(small_gen):
    real = torch.rand(12, 8, generator=torch.Generator().manual_seed(0))
    out = mitigation_errors(small_gen, real, NOISE, n=4, shots=400, seed=2, sigmas={"s2": 2.0, "s1": 1.0})
    assert list(out) == list(SETTINGS)
    keys = {"mmd2_s2", "mmd2_s1", "mmd2_recovered_s2", "mmd2_recovered_s1", "tv_mean", "tv_std", "tv_median",
            "tv_max", "tv_gap_closed", "pixel_mean", "pixel_std", "pixel_median", "pixel_max", "clipped_mean"}
    assert all(set(row) == keys for row in out.values())
    assert out["exact"]["tv_mean"] == 0 and out["exact"]["pixel_mean"] == 0
    assert out["exact"]["mmd2_recovered_s2"] == 1 and out["noisy"]["mmd2_recovered_s2"] == 0
    assert out["shots"]["tv_gap_closed"] == 1 and out["noisy"]["tv_gap_closed"] == 0
    assert out["noisy"]["tv_mean"] > out["shots"]["tv_mean"] > 0
    assert out["shots+zne"]["tv_mean"] > out["shots"]["tv_mean"]  # extrapolation amplifies shot noise
    # the same seed gives the same numbers (noise vectors and shots are seeded)
    again = mitigation_errors(small_gen, real, NOISE, n=4, shots=400, seed=2, sigmas={"s2": 2.0, "s1": 1.0})
    assert again == out
    # and aggregation over seeds keeps the structure
    agg = aggregate_seeds({2: out, 5: mitigation_errors(small_gen, real, NOISE, n=4, shots=400, seed=5,
                                                        sigmas={"s2": 2.0, "s1": 1.0})})
    assert agg["seeds"] == [2, 5] and agg["noisy"]["tv_mean"]["values"][0] == out["noisy"]["tv_mean"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n: expected an integer >= 1"),
        ({"seed": -1}, "seed: expected an integer >= 0"),
        ({"sigmas": {"w": -1.0}}, "sigmas: expected names"),
        ({"sigmas": {}}, "sigmas: expected a non-empty mapping"),
        ({"real": np.zeros((5, 7))}, "real: expected images with 8 pixels"),
        ({"real": np.full((5, 8), np.nan)}, "real: expected finite"),
        ({"device": "ideal"}, "device: expected a noisy device"),
        ({"device": 3}, "device: expected a fake backend name"),
        ({"shots": 0}, "shots: expected a positive integer"),
        ({"scales": (3, 5)}, "scales: expected at least two distinct odd fold factors including 1"),
    ],
)
def test_mitigation_errors_rejects_bad_inputs(small_gen, kwargs, match):
    args = {"real": np.zeros((5, 8)), "device": NOISE, "n": 2, "shots": 100, "seed": 0}
    args.update(kwargs)
    real = args.pop("real")
    with pytest.raises(ValueError, match=match):
        mitigation_errors(small_gen, real, **args)


def test_mitigation_probs_rejects_bad_noise(small_gen):
    with pytest.raises(ValueError, match=r"noise: expected shape \(B, 3\)"):
        mitigation_probs(small_gen, torch.zeros(2, 4), NOISE)
    with pytest.raises(ValueError, match="noise: expected finite"):
        mitigation_probs(small_gen, torch.full((2, 3), float("nan")), NOISE)
