"""Exercises of the chapter "Born machines and quantum Boltzmann machines" (book/born.ipynb)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import as_number as _as_number
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []






# --------------------------------------------------------------------------------------------
@register(
    "ex-born-bas",
    "List every bars-and-stripes pattern of a rows x cols grid",
    "Loop over all 2**cols choices of the columns (itertools.product((0, 1), repeat=cols)) -- each gives a "
    "bar pattern np.tile(bars, rows) -- and over all 2**rows choices of the rows (np.repeat(stripes, cols)). "
    "Collect the tuples in a set: the all-0 and all-1 images are both, and must appear only once.",
    "bas_patterns",
)
def _check_bas(bas_patterns: Any) -> None:
    from qgan_helpers.born.bars_stripes import bars_and_stripes

    expect(callable(bas_patterns), "bas_patterns should be a function of (rows, cols)")
    for rows, cols in ((2, 2), (3, 3), (2, 3), (3, 2), (1, 3)):
        got = _as_array(bas_patterns(rows, cols), f"bas_patterns({rows}, {cols})")
        want = bars_and_stripes(rows, cols)
        expect(got.ndim == 2 and got.shape[1] == rows * cols,
               f"bas_patterns({rows}, {cols}) should have one flattened pattern of {rows * cols} pixels per row, "
               f"got shape {got.shape}")
        expect(np.all((got == 0) | (got == 1)), f"bas_patterns({rows}, {cols}) should hold only bits 0 and 1")
        patterns = [tuple(int(v) for v in row) for row in got]
        if len(set(patterns)) < len(patterns):
            expect(False, f"bas_patterns({rows}, {cols}) lists a pattern twice ({len(patterns)} rows, "
                          f"{len(set(patterns))} distinct): the all-0 and all-1 images are both bars and stripes")
        expect(set(patterns) == {tuple(p) for p in want},
               f"bas_patterns({rows}, {cols}) should give the {len(want)} patterns whose columns are all constant "
               f"or whose rows are all constant; got {len(patterns)} patterns, "
               f"{len(set(patterns) - {tuple(p) for p in want})} of them invalid")


# --------------------------------------------------------------------------------------------
@register(
    "ex-born-metrics",
    "KL divergence and the valid rate chi of a model distribution",
    "Keep only the outcomes x with p(x) > 0 (the data's support): KL = sum p log(p / q) over them, and chi = "
    "sum of q over them. Use the natural logarithm (np.log).",
    "kl_and_chi",
)
def _check_metrics(kl_and_chi: Any) -> None:
    from qgan_helpers.born.bars_stripes import bas_distribution
    from qgan_helpers.born.metrics import kl_divergence, valid_rate

    expect(callable(kl_and_chi), "kl_and_chi should be a function of (p, q)")
    rng = np.random.default_rng(11)
    cases = [(np.array([0.5, 0.5]), np.array([0.25, 0.75]))]
    for rows, cols in ((2, 2), (3, 3)):
        p = bas_distribution(rows, cols)
        q = rng.dirichlet(np.ones(p.size)) * 0.3 + 0.7 * rng.dirichlet(np.ones(p.size)) * (p > 0)
        cases.append((p, q / q.sum()))
    for p, q in cases:
        out = kl_and_chi(p.copy(), q.copy())
        expect(isinstance(out, (tuple, list)) and len(out) == 2,
               f"kl_and_chi should return a pair (kl, chi), got {type(out).__name__}")
        kl = _as_number(out[0], "the KL of kl_and_chi")
        chi = _as_number(out[1], "the chi of kl_and_chi")
        want_kl, want_chi = float(kl_divergence(p, q)), float(valid_rate(p, q))
        reverse = float(np.sum(q * np.log(q / np.where(p > 0, p, 1e-300)))) if np.all(p > 0) else None
        if reverse is not None and abs(kl - reverse) < 1e-9 and abs(reverse - want_kl) > 1e-6:
            expect(False, "that is KL(q || p); the course measures KL(p || q) = sum p log(p / q) (data first)")
        if abs(kl - want_kl / math.log(2)) < 1e-9 and want_kl > 0:
            expect(False, "your KL is in bits (log2); use the natural logarithm (nats)")
        expect(abs(kl - want_kl) < 1e-8, f"KL(p || q) should be {want_kl:.6f} for a {p.size}-outcome case, got {kl:.6f}")
        expect(abs(chi - want_chi) < 1e-8,
               f"chi should be {want_chi:.6f} (the mass q puts where p > 0) for a {p.size}-outcome case, got {chi:.6f}")


# --------------------------------------------------------------------------------------------
@register(
    "ex-born-mmd",
    "The exact MMD between two distributions over bit strings",
    "Build the bit string of every index (wire 0 = most significant bit), the matrix of Hamming distances "
    "h(x, y), the kernel K = exp(-h / (2 sigma**2)), and return d @ K @ d with d = p - q.",
    "mmd2_bits",
)
def _check_mmd(mmd2_bits: Any) -> None:
    from qgan_helpers.born.metrics import mmd2_exact

    expect(callable(mmd2_bits), "mmd2_bits should be a function of (p, q, sigma)")
    p = np.array([0.5, 0.0, 0.0, 0.5])
    same = _as_number(mmd2_bits(p.copy(), p.copy(), 1.0), "mmd2_bits(p, p, 1.0)")
    expect(abs(same) < 1e-12, f"the MMD of a distribution with itself is 0, got {same}")
    rng = np.random.default_rng(5)
    for n, sigma in ((2, 1.0), (3, 0.5), (3, 2.0), (4, 0.25)):
        p, q = rng.dirichlet(np.ones(2**n)), rng.dirichlet(np.ones(2**n))
        got = _as_number(mmd2_bits(p.copy(), q.copy(), sigma), f"mmd2_bits(<{n}-bit p>, <{n}-bit q>, {sigma})")
        want = float(mmd2_exact(p, q, sigmas=sigma))
        squared = float(mmd2_exact(p, q, sigmas=sigma / math.sqrt(2)))  # exp(-h / sigma^2)
        if abs(got - squared) < 1e-9 and abs(squared - want) > 1e-9:
            expect(False, "the kernel is exp(-h / (2 sigma**2)); you seem to have left out the factor 2")
        expect(abs(got - want) < 1e-9,
               f"for {n} bits and sigma = {sigma} the squared MMD should be {want:.6g}, got {got:.6g} "
               "(is the Hamming distance counted bit by bit?)")


# --------------------------------------------------------------------------------------------
@register(
    "ex-born-qbm",
    "The probability of reading 0 from a one-qubit quantum Boltzmann machine",
    "exp(b Z + gamma X) = cosh(D) I + sinh(D) (b Z + gamma X) / D with D = sqrt(b**2 + gamma**2), because "
    "(b Z + gamma X)**2 = D**2 I. Normalise by the trace 2 cosh(D) and read the top-left entry.",
    "one_qubit_p0",
)
def _check_qbm(one_qubit_p0: Any) -> None:
    import torch

    from qgan_helpers.born.qbm import QBM

    expect(callable(one_qubit_p0), "one_qubit_p0 should be a function of (b, gamma)")
    for b, gamma in ((1.0, 0.0), (0.0, 1.5), (0.8, 0.6), (-1.3, 0.4), (2.0, 3.0)):
        got = _as_number(one_qubit_p0(b, gamma), f"one_qubit_p0({b}, {gamma})")
        model = QBM(1, 0, gamma=gamma, connectivity="full")
        with torch.no_grad():
            model.b.fill_(b)
            want = float(model.visible_probs()[0])
        classical = 1 / (1 + math.exp(-2 * b))
        if gamma > 0 and abs(got - classical) < 1e-9 and abs(classical - want) > 1e-6:
            expect(False, f"one_qubit_p0({b}, {gamma}) = {got:.6f} ignores the transverse field: that is the "
                          "classical e^b / (e^b + e^-b)")
        expect(abs(got - want) < 1e-9, f"one_qubit_p0({b}, {gamma}) should be {want:.6f}, got {got:.6f}")
