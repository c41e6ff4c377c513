"""Exercises of the chapter "Born machines" (book/born.ipynb).

The circuit exercise (``ex-born-circuit``) is checked on what the learner's quantum function *builds*:
the gates are recorded with :func:`pennylane.tape.make_qscript` and compared with the QCBM layer by
layer, so a function that returns probabilities (or a state) without applying gates does not pass.
The experiment (``ex-born-train``) is checked on the model it returns: the check measures that model's
exact distribution itself and compares it with the same circuit at its untrained angles.
"""

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
    (
        "A bar pattern is fixed by its first row (every column constant), a stripe pattern by its first column "
        "(every row constant). How many choices of a first row are there?",
        "Loop over all 2**cols choices of the first row with itertools.product((0, 1), repeat=cols) and repeat "
        "that row rows times; do the same for the 2**rows choices of the first column. Two images are both a bar "
        "and a stripe pattern: keep each pattern once.",
        "Bars: np.tile(bars, rows) for bars in itertools.product((0, 1), repeat=cols); stripes: "
        "np.repeat(stripes, cols) for stripes in itertools.product((0, 1), repeat=rows). Collect tuple(...) of "
        "each in a set (the all-0 and all-1 images appear in both loops) and return np.array(sorted(found)).",
    ),
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
    (
        "Both numbers are sums over the data's patterns only, the outcomes x with p(x) > 0: the others add "
        "nothing to KL(p || q) and are not valid images.",
        "Make a boolean mask support = p > 0 and index p and q with it. KL(p || q) puts p, the data, first; "
        "chi is the probability the model puts on the valid patterns.",
        "kl = np.sum(p[support] * np.log(p[support] / q[support])) (natural logarithm) and "
        "chi = np.sum(q[support]); return float(kl), float(chi).",
    ),
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
    (
        "The formula above is a quadratic form d K d in the difference d = p - q; what you need is the 2**n x "
        "2**n kernel matrix K of all pairs of bit strings.",
        "Build the bits of every index k (wire 0 = most significant bit: (k >> (n - 1 - i)) & 1 for bit i), "
        "then the matrix of Hamming distances h(x, y), the number of bits in which x and y differ.",
        "bits = (k[:, None] >> np.arange(n - 1, -1, -1)) & 1 with k = np.arange(2**n); hamming = "
        "(bits[:, None, :] != bits[None, :, :]).sum(-1); K = np.exp(-hamming / (2 * sigma**2)); return d @ K @ d.",
    ),
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
def _recorded_ops(qcbm_circuit: Any, weights: np.ndarray, rows: int, cols: int) -> list:
    """The gates ``qcbm_circuit(weights, rows, cols)`` applies, recorded on a tape (a QNode's function too)."""
    import pennylane as qml

    function = getattr(qcbm_circuit, "func", qcbm_circuit)  # a QNode: record the quantum function inside it
    tape = qml.tape.make_qscript(function)(weights.copy(), rows, cols)
    return list(tape.operations)


@register(
    "ex-born-circuit",
    "The QCBM circuit on any pixel grid: Rot on every qubit, then CNOTs between neighbouring pixels",
    (
        "Write a quantum function: it only calls gates (no QNode, no return value needed). Look at qcbm_2x2 "
        "above and replace what is fixed to the 2x2 grid by rows and cols.",
        "Qubit r * cols + c holds the pixel in row r, column c. Its right-hand neighbour is qubit r * cols + c + 1 "
        "(if c + 1 < cols) and the one below it qubit (r + 1) * cols + c (if r + 1 < rows).",
        "For each layer: qml.Rot(*weights[layer, wire], wires=wire) for every wire, then qml.CNOT(wires=[a, b]) "
        "for a, b in the horizontal pairs (r * cols + c, r * cols + c + 1) and the vertical pairs "
        "(r * cols + c, (r + 1) * cols + c); the number of layers is weights.shape[0].",
    ),
    "qcbm_circuit",
)
def _check_circuit(qcbm_circuit: Any) -> None:
    from qgan_helpers.born.qcbm_circuit import grid_pairs

    expect(callable(qcbm_circuit), "qcbm_circuit should be a quantum function of (weights, rows, cols)")
    rng = np.random.default_rng(2019)
    for rows, cols, layers in ((2, 2, 1), (2, 3, 2), (3, 2, 1), (3, 3, 2)):
        n = rows * cols
        weights = rng.uniform(0, 2 * np.pi, (layers, n, 3))
        what = f"qcbm_circuit(<weights of shape {weights.shape}>, {rows}, {cols})"
        ops = _recorded_ops(qcbm_circuit, weights, rows, cols)
        expect(ops, f"{what} applied no gates. The answer is a circuit: call qml.Rot and qml.CNOT inside the "
               "function (returning probabilities or a state does not build a circuit)")
        names = sorted({op.name for op in ops} - {"Rot", "CNOT"})
        expect(not names, f"{what} uses {', '.join(names)}; the QCBM layer uses only qml.Rot and qml.CNOT")
        pairs = set(grid_pairs(rows, cols))
        n_rot, n_cnot = sum(op.name == "Rot" for op in ops), sum(op.name == "CNOT" for op in ops)
        expect(n_rot == layers * n, f"{what} applies {n_rot} Rot gates; {layers} layer(s) on {n} qubits need "
               f"{layers * n} (one per qubit per layer; the layers are weights.shape[0])")
        expect(n_cnot == layers * len(pairs),
               f"{what} applies {n_cnot} CNOTs; a {rows}x{cols} grid has {len(pairs)} pairs of neighbouring "
               f"pixels, so {layers} layer(s) need {layers * len(pairs)}")
        position = 0
        for layer in range(layers):
            block = ops[position:position + n]
            expect(all(op.name == "Rot" for op in block),
                   f"{what}: layer {layer} should start with a Rot on each of the {n} qubits, then its CNOTs")
            for op in block:
                wire = int(op.wires[0])
                expect(0 <= wire < n, f"{what} acts on wire {wire}; the grid has wires 0 to {n - 1}")
                angles = np.asarray([float(np.asarray(v)) for v in op.parameters])
                expect(np.allclose(angles, weights[layer, wire]),
                       f"{what}: the Rot on wire {wire} in layer {layer} should take weights[{layer}, {wire}], "
                       f"the angles (phi, theta, omega); it got {np.round(angles, 3).tolist()}")
            expect(sorted(int(op.wires[0]) for op in block) == list(range(n)),
                   f"{what}: layer {layer} should rotate every qubit once")
            position += n
            cnots = ops[position:position + len(pairs)]
            expect(all(op.name == "CNOT" for op in cnots), f"{what}: layer {layer} should end with its CNOTs")
            got = [tuple(int(w) for w in op.wires) for op in cnots]
            flipped = {(b, a) for a, b in got} & pairs
            if flipped and not set(got) & pairs:
                expect(False, f"{what}: control and target are swapped; the control is the pixel left of or "
                       "above the target (the smaller index)")
            wrong = sorted(set(got) - pairs)
            expect(not wrong, f"{what}: CNOT(s) {wrong} in layer {layer} join pixels that are not neighbours "
                   f"on the {rows}x{cols} grid (qubit r * cols + c is the pixel in row r, column c)")
            missing = sorted(pairs - set(got))
            expect(not missing, f"{what}: layer {layer} misses the CNOT(s) {missing} between neighbouring pixels")
            position += len(pairs)


# --------------------------------------------------------------------------------------------
@register(
    "ex-born-train",
    "An experiment: train a small QCBM on bars and stripes 2x2 and measure what training gained",
    (
        "The loop written out above is the whole recipe: only the data (2x2), the kernel (4 bits) and the "
        "circuit's size change.",
        "target = torch.as_tensor(bas_distribution(2, 2)); kernel = hamming_kernel_matrix(4, sigmas); the "
        "model is QCBM(n_qubits=4, layers=2, entanglers='grid', grid_shape=(2, 2), init_seed=seed).",
        "Adam with lr=0.1 on model.parameters(); per step: q = model()[0], diff = target - q, "
        "loss = diff @ kernel @ diff, zero_grad, backward, step. Return the model after `steps` steps.",
    ),
    "train_small_qcbm",
)
def _check_train(train_small_qcbm: Any) -> None:
    import torch

    from qgan_helpers.born.bars_stripes import bas_distribution
    from qgan_helpers.born.metrics import DEFAULT_SIGMAS, distribution_metrics, mmd2_exact
    from qgan_helpers.born.qcbm import QCBM

    expect(callable(train_small_qcbm), "train_small_qcbm should be a function of (steps, seed)")
    p = bas_distribution(2, 2)
    for seed in (3, 6):
        model = train_small_qcbm(100, seed)
        what = f"train_small_qcbm(100, {seed})"
        expect(isinstance(model, QCBM), f"{what} should return the trained QCBM (the circuit), got "
               f"{type(model).__name__}; the check measures its distribution itself")
        expect(model.n_qubits == 4, f"{what} returned a QCBM on {model.n_qubits} qubits; 2x2 images need 4")
        if model.n_starts != 1:
            expect(False, f"{what} returned a QCBM with {model.n_starts} starts; return one (fit.model or select(k))")
        config = model.config()
        config.update(n_starts=1, init_seed=seed, grid_shape=model.grid_shape)
        untrained = QCBM(**config)
        with torch.no_grad():
            q_trained, q_untrained = model.probs(), untrained.probs()
        expect(not torch.allclose(q_trained, q_untrained),
               f"{what} returned the circuit at its untrained angles: did the optimiser update model.parameters()?")
        mmd_t, mmd_u = (float(mmd2_exact(p, q, sigmas=DEFAULT_SIGMAS)) for q in (q_trained, q_untrained))
        kl_t, kl_u = (distribution_metrics(p, q)["kl"] for q in (q_trained, q_untrained))
        expect(mmd_t <= mmd_u / 5,
               f"{what}: the trained circuit's exact MMD^2 is {mmd_t:.4f}, the untrained one's {mmd_u:.4f}; "
               "training should cut it at least fivefold (is the loss diff @ kernel @ diff, minimised?)")
        expect(kl_t <= kl_u / 3,
               f"{what}: the trained circuit's KL is {kl_t:.3f}, the untrained one's {kl_u:.3f}; training "
               "should cut it at least threefold")
